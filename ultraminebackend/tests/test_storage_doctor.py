"""``storage_doctor`` against moto's S3 server and the local folders: passes, and diagnoses."""

import io
import json
import secrets
import socket
import time

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, NoCredentialsError
from django.core.management import call_command
from django.core.management.base import CommandError

from testsupport.files import (
    create_bucket,
    iam_user,
    moto_iam_auth,
    s3_client,
    s3_storages,
)
from ultraminebackend.files.operations.diagnoses import Where, explain
from ultraminebackend.files.storage.config import S3Config, build_storages


def run_doctor() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("storage_doctor", "--timeout", "2", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


def new_bucket_name() -> str:
    return f"doctor-{secrets.token_hex(6)}"


def use_s3(settings, **s3_options):
    settings.USE_S3 = True
    settings.STORAGES = build_storages(
        use_s3=True,
        media_root=None,
        private_media_root=None,
        private_url_ttl=60,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
        s3=S3Config(region_name="us-east-1", **s3_options),
    )


def lines_of(output: str, status: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(status)]


def test_healthy_s3_passes_every_step_and_leaves_nothing_behind(settings, moto_endpoint):
    # given
    bucket = new_bucket_name()
    client = create_bucket(endpoint_url=moto_endpoint, bucket=bucket)
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=bucket)

    # when
    code, output = run_doctor()

    # then
    assert code == 0, output
    steps = [line.split()[1:3] for line in lines_of(output, "ok")]
    assert steps == [
        ["default", "write"],
        ["default", "read"],
        ["default", "public-url"],
        ["default", "delete"],
        ["private", "write"],
        ["private", "read"],
        ["private", "signed-url"],
        ["private", "unsigned-url"],
        ["private", "delete"],
    ]
    assert "all 9 checks passed" in output
    assert "Signature" not in output  # signed URLs are shown without their query
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_healthy_local_passes_every_step(settings):
    # given: the suite's default, local folders under tmp_path

    # when
    code, output = run_doctor()

    # then
    assert code == 0, output
    assert "all 11 checks passed" in output
    assert "ok    default  public-url    /media/storage-doctor/" in output
    assert "ok    private  unsigned-url  refused (403)" in output
    assert list(settings.MEDIA_ROOT.iterdir()) == []
    assert list(settings.PRIVATE_MEDIA_ROOT.iterdir()) == []


def test_missing_bucket_is_named_and_later_steps_are_skipped(settings, moto_endpoint):
    # given
    bucket = new_bucket_name()  # never created
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=bucket)

    # when
    code, output = run_doctor()

    # then
    assert code == 1
    failures = lines_of(output, "FAIL")
    assert failures[0].startswith("FAIL  default  write")
    assert f"bucket '{bucket}' does not exist at {moto_endpoint}" in failures[0]
    assert "fix AWS_STORAGE_BUCKET_NAME" in failures[0]
    assert len(lines_of(output, "skip")) == 3 + 4
    assert "2 of 9 checks failed (7 skipped)" in output


@pytest.mark.parametrize(
    ("credentials", "diagnosis"),
    [
        ("unknown key", "S3 does not know this access key: fix AWS_ACCESS_KEY_ID"),
        ("wrong secret", "the signature does not match: AWS_SECRET_ACCESS_KEY"),
        (
            "no permission",
            "access denied for PutObject: allow s3:PutObject on arn:aws:s3:::{bucket}/media/*",
        ),
    ],
)
def test_bad_credentials_are_diagnosed(settings, moto_endpoint, credentials, diagnosis):
    # given: a bucket, an IAM user without policies, and moto checking credentials like AWS
    bucket = new_bucket_name()
    create_bucket(endpoint_url=moto_endpoint, bucket=bucket)
    key_id, secret = iam_user(endpoint_url=moto_endpoint, name=f"app-{secrets.token_hex(4)}")
    keys = {
        "unknown key": ("AKIAUNKNOWN000000000", "not-a-secret-at-all"),
        "wrong secret": (key_id, "wrong-" + secret[6:]),
        "no permission": (key_id, secret),
    }[credentials]
    use_s3(
        settings,
        bucket_name=bucket,
        endpoint_url=moto_endpoint,
        access_key=keys[0],
        secret_key=keys[1],
    )

    # when
    with moto_iam_auth(moto_endpoint):
        code, output = run_doctor()

    # then
    assert code == 1
    failures = lines_of(output, "FAIL")
    assert [line.split()[1:3] for line in failures] == [["default", "write"], ["private", "write"]]
    assert diagnosis.format(bucket=bucket) in failures[0]
    assert keys[1] not in output


def test_auth_switch_is_restored_after_the_block(moto_endpoint):
    # given
    bucket = new_bucket_name()
    create_bucket(endpoint_url=moto_endpoint, bucket=bucket)
    with moto_iam_auth(moto_endpoint), pytest.raises(ClientError):
        s3_client(moto_endpoint).put_object(Bucket=bucket, Key="x", Body=b"x")

    # when / then: other tests' placeholder credentials work again
    s3_client(moto_endpoint).put_object(Bucket=bucket, Key="x", Body=b"x")


def test_public_read_blocked_points_at_the_bucket_policy(settings, moto_endpoint):
    # given: a bucket without the public-media policy
    bucket = new_bucket_name()
    create_bucket(endpoint_url=moto_endpoint, bucket=bucket, public_media=False)
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=bucket)

    # when
    code, output = run_doctor()

    # then
    assert code == 1
    failures = lines_of(output, "FAIL")
    assert len(failures) == 1
    assert failures[0].startswith("FAIL  default  public-url")
    assert "public read of media/* is blocked" in failures[0]
    assert "Block Public Access" in failures[0]
    policy = json.loads(output.split(failures[0], 1)[1].splitlines()[1])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/media/*"
    assert "ok    private  unsigned-url" in output


def test_private_files_readable_without_signature_fail(settings, moto_endpoint):
    # given: a policy that makes the whole bucket public, private/ included
    bucket = new_bucket_name()
    client = create_bucket(endpoint_url=moto_endpoint, bucket=bucket, public_media=False)
    everything = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(everything))
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=bucket)

    # when
    code, output = run_doctor()

    # then
    assert code == 1
    failures = lines_of(output, "FAIL")
    assert len(failures) == 1
    assert failures[0].startswith("FAIL  private  unsigned-url")
    assert "never on private/*" in failures[0]


def test_unreachable_endpoint_fails_fast(settings):
    # given: a port nothing listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    use_s3(settings, bucket_name="anything", endpoint_url=endpoint, access_key="a", secret_key="b")

    # when
    started = time.monotonic()
    code, output = run_doctor()

    # then
    assert code == 1
    assert f"cannot connect to {endpoint}: check AWS_S3_ENDPOINT_URL" in output
    assert time.monotonic() - started < 20


def client_error(code: str, operation: str = "PutObject", region: str = "", header: str = ""):
    error = {"Code": code, "Message": "from S3"}
    if region:
        error["Region"] = region
    headers = {"x-amz-bucket-region": header} if header else {}
    return ClientError(
        {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": headers}},
        operation,
    )


WHERE = Where(bucket="shop", endpoint="https://s3.amazonaws.com", region="us-east-1", prefix="m/")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            client_error("PermanentRedirect", header="eu-west-1"),
            "bucket 'shop' is not in region 'us-east-1' but in 'eu-west-1': "
            "set AWS_S3_REGION_NAME to 'eu-west-1'",
        ),
        (
            client_error("AuthorizationHeaderMalformed", region="ap-south-1"),
            "set AWS_S3_REGION_NAME to 'ap-south-1'",
        ),
        (client_error("301", "HeadObject"), "set AWS_S3_REGION_NAME to the bucket's region"),
        (
            client_error("AccessDenied", "DeleteObject"),
            "access denied for DeleteObject: allow s3:DeleteObject on arn:aws:s3:::shop/m/*",
        ),
        (client_error("AccessControlListNotSupported"), "ACLs disabled and an ACL was sent"),
        (client_error("RequestTimeTooSkewed"), "clock is more than 15 minutes off"),
        (client_error("ExpiredToken"), "session token is invalid or expired"),
        (NoCredentialsError(), "no credentials found: set AWS_ACCESS_KEY_ID"),
        (
            ConnectTimeoutError(endpoint_url="https://s3.amazonaws.com"),
            "timed out connecting to https://s3.amazonaws.com",
        ),
        (client_error("SomethingNew"), "SomethingNew from PutObject: from S3"),
    ],
)
def test_diagnosis_table(exc, expected):
    # S3 behaviours moto does not reproduce (regions, ACLs, clocks), as botocore raises them.
    assert expected in explain(exc, WHERE)


def test_bucket_operations_name_the_bucket_arn_not_the_objects():
    message = explain(client_error("403", "HeadBucket"), WHERE)

    assert message.endswith("or lack s3:ListBucket on arn:aws:s3:::shop")


def test_bare_404_from_head_bucket_means_no_such_bucket():
    message = explain(client_error("404", "HeadBucket"), WHERE)

    assert message.startswith("bucket 'shop' does not exist at https://s3.amazonaws.com")


def test_unknown_errors_never_show_signed_query_strings():
    exc = RuntimeError("failed https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=x")

    assert explain(exc, WHERE) == "RuntimeError: failed https://b.s3.amazonaws.com/k?..."


# --- ImageKit (the real imagekitio SDK against its loopback fake) ---------------------------------


def test_imagekit_is_checked_when_configured_and_the_probe_does_not_stay(imagekit_server):
    status, output = run_doctor()

    assert status == 0, output
    assert f"imagekit: ImageKit at {imagekit_server.url_endpoint}" in output
    ok = [line.split()[1:3] for line in lines_of(output, "ok") if " imagekit " in line]
    assert ok == [
        ["imagekit", "upload"],
        ["imagekit", "delivery-url"],
        ["imagekit", "thumbnail-url"],
        ["imagekit", "delete"],
    ]
    assert "all 15 checks passed" in output
    assert len(imagekit_server.upload_requests) == 1 and imagekit_server.files == {}
    assert imagekit_server.upload_requests[0].body.count(b"storage-doctor") == 1


def test_without_imagekit_settings_there_is_no_imagekit_line():
    status, output = run_doctor()

    assert status == 0 and "imagekit:" not in output and " imagekit " not in output
    assert "all 11 checks passed" in output


def test_a_wrong_imagekit_key_is_diagnosed_and_the_rest_skipped(settings, imagekit_server):
    settings.IMAGEKIT_PRIVATE_KEY = "private_wrong_key"

    status, output = run_doctor()

    assert status == 1
    (failed,) = [line for line in lines_of(output, "FAIL") if " imagekit " in line]
    assert "upload" in failed and "fix IMAGEKIT_PRIVATE_KEY" in failed
    assert len([line for line in lines_of(output, "skip") if " imagekit " in line]) == 3
    assert "private_wrong_key" not in output


def test_a_wrong_url_endpoint_is_diagnosed_and_the_probe_still_deleted(settings, imagekit_server):
    settings.IMAGEKIT_URL_ENDPOINT = f"{imagekit_server.url}/someone-else"

    status, output = run_doctor()

    assert status == 1
    failed = [line for line in lines_of(output, "FAIL") if " imagekit " in line]
    assert any("delivery-url" in line and "IMAGEKIT_URL_ENDPOINT" in line for line in failed)
    assert imagekit_server.files == {} and len(imagekit_server.deleted) == 1
