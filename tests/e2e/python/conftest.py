import json
import os
import subprocess

import pytest

from s3e2e import ENDPOINT, REGION, USER2, empty_and_delete_bucket, make_client, make_presigner, make_seed_client, new_bucket_name


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


# ---------------------------------------------------------------- aws-cli

@pytest.fixture(scope="session")
def cli_env(tmp_path_factory):
    cfg = tmp_path_factory.mktemp("awscfg") / "config"
    # path-style addressing, as for the SDK clients
    cfg.write_text(f"[default]\nregion = {REGION}\ns3 =\n    addressing_style = path\n")
    env = dict(os.environ)
    env["AWS_CONFIG_FILE"] = str(cfg)
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull  # credentials only from the environment
    env.pop("AWS_PROFILE", None)
    env["AWS_PAGER"] = ""
    return env


@pytest.fixture
def aws(cli_env):
    def run(*args, check=True, json_out=False, cwd=None):
        cmd = ["aws", "--endpoint-url", ENDPOINT, *args]
        if json_out:
            cmd += ["--output", "json"]
        p = subprocess.run(cmd, env=cli_env, capture_output=True, text=True, timeout=120, cwd=cwd)
        if check:
            assert p.returncode == 0, (cmd, p.returncode, p.stdout, p.stderr)
        if json_out and p.returncode == 0:
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p

    return run
