import pytest


@pytest.fixture(params=["F", "C", "csc", "csr"])
def layout(request):
    return request.param
