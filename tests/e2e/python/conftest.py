import pytest

from s3e2e import USER2, empty_and_delete_bucket, make_client, make_presigner, make_seed_client, new_bucket_name


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "big: the large streaming round trip (S3EDGE_BIG_MIB MiB); skip with -m 'not big'"
    )


@pytest.fixture(scope="session")
def s3():
    """User 1, boto3 at default settings (credentials from the environment)."""
    return make_client()


@pytest.fixture(scope="session")
def s3_user2():
    """User 2, a different owner."""
    return make_client(USER2)


@pytest.fixture(scope="session")
def seed():
    """User 1 client for writing setup data only (see make_seed_client)."""
    return make_seed_client()


@pytest.fixture(scope="session")
def presigner():
    """User 1 client that presigns SigV4 URLs (see make_presigner)."""
    return make_presigner()


@pytest.fixture
def bucket(s3):
    """A fresh bucket of user 1, emptied and deleted after the test."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(s3, name)


@pytest.fixture
def cleanup():
    """Register (client, bucket) pairs to empty and delete after the test."""
    pending = []
    yield lambda client, name: pending.append((client, name))
    for client, name in pending:
        empty_and_delete_bucket(client, name)
