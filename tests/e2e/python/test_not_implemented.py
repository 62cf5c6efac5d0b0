"""Operations s3edge does not implement (yet) must answer 501 NotImplemented.

Keep this list in sync with the server: when an operation gets implemented,
move it out of NOT_IMPLEMENTED and give it real tests.
"""

import pytest
from botocore.exceptions import ClientError

from s3e2e import error_code, http_status

NOT_IMPLEMENTED = {
    "get_bucket_encryption": lambda s3, b: s3.get_bucket_encryption(Bucket=b),
    "put_bucket_lifecycle_configuration": lambda s3, b: s3.put_bucket_lifecycle_configuration(
        Bucket=b,
        LifecycleConfiguration={
            "Rules": [{"ID": "r1", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]
        },
    ),
    "get_bucket_logging": lambda s3, b: s3.get_bucket_logging(Bucket=b),
    "get_bucket_replication": lambda s3, b: s3.get_bucket_replication(Bucket=b),
}


@pytest.mark.parametrize("op", sorted(NOT_IMPLEMENTED))
def test_not_implemented(s3, bucket, op):
    with pytest.raises(ClientError) as ei:
        NOT_IMPLEMENTED[op](s3, bucket)
    assert error_code(ei.value) == "NotImplemented"
    assert http_status(ei.value) == 501
    assert ei.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id")
