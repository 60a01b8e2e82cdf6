"""``fastreg`` / ``python -m fastreg``: the command line (see ``fastreg._cli``)."""
import sys


def main(argv=None):
    """Console-script entry point; returns the exit status."""
    from ._cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
