"""asv benchmark suites of fastreg (configuration: ../asv.conf.json)."""
