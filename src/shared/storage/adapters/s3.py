"""S3-compatible object storage (AWS S3, MinIO, Ceph...) through boto3."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, BinaryIO, Callable, Sequence
from urllib.parse import quote, unquote

from shared.storage.domain import StoredFile, check_logical_key


class _HashingReader:
    """Hashes and counts what boto3 reads, so the file is read once."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        block = self._stream.read(n)
        self.digest.update(block)
        self.size += len(block)
        return block


class S3FileStorage:
    backend = "s3"

    def __init__(self, client: Any, bucket: str, now: Callable[[], datetime], prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self._now = now
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_settings(cls, *, bucket: str, endpoint_url: str | None, region: str | None,
                      now: Callable[[], datetime], prefix: str = "") -> "S3FileStorage":
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or "us-east-1")
        return cls(client, bucket, now, prefix)

    def reachable(self) -> bool:
        """The bucket answers (a missing bucket or refused credentials do not)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception:  # noqa: BLE001 - any failure means "not usable"
            return False
        return True

    def create(self) -> None:
        """Create the bucket (``sanece-admin storage check --create``); an existing one is kept."""
        region = self._client.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":  # S3 refuses the default region named explicitly
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(**kwargs)
        except self._client.exceptions.BucketAlreadyOwnedByYou:
            pass

    def put(self, logical_key: str, stream: BinaryIO, *, content_type: str, original_name: str,
            size: int | None = None) -> StoredFile:
        check_logical_key(logical_key)
        created = self._now()
        version = f"{created.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(6)}"
        key = f"{logical_key}/{version}"
        reader = _HashingReader(stream)
        # upload_fileobj streams in multipart chunks: the file is never held whole in memory.
        self._client.upload_fileobj(
            reader, self.bucket, self._prefix + key,
            ExtraArgs={"ContentType": content_type, "Metadata": {
                "original-name": quote(original_name), "created-at": created.isoformat()}})
        sha = reader.digest.hexdigest()
        # The digest is only known after the upload; store it as a tag so list_versions sees it.
        self._client.put_object_tagging(Bucket=self.bucket, Key=self._prefix + key,
                                        Tagging={"TagSet": [{"Key": "sha256", "Value": sha}]})
        return StoredFile(key, logical_key, reader.size, sha, content_type, original_name, created)

    def open(self, key: str) -> BinaryIO:
        try:
            obj = self._client.get_object(Bucket=self.bucket, Key=self._prefix + key)
        except self._client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        return obj["Body"]  # a streaming body: read() in chunks

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._prefix + key)

    def list_versions(self, logical_key: str) -> Sequence[StoredFile]:
        check_logical_key(logical_key)
        prefix = f"{self._prefix}{logical_key}/"
        out = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            for item in page.get("Contents", []):
                full = item["Key"]
                head = self._client.head_object(Bucket=self.bucket, Key=full)
                tags = self._client.get_object_tagging(Bucket=self.bucket, Key=full)["TagSet"]
                sha = next((t["Value"] for t in tags if t["Key"] == "sha256"), "")
                meta = head.get("Metadata", {})
                out.append(StoredFile(
                    full[len(self._prefix):], logical_key, head["ContentLength"], sha,
                    head.get("ContentType", "application/octet-stream"),
                    unquote(meta.get("original-name", "")),
                    datetime.fromisoformat(meta["created-at"]) if "created-at" in meta
                    else head["LastModified"]))
        out.sort(key=lambda f: f.key)
        return out
