"""Where finished recordings live: one interface, a local folder in the data folder (the embedded
default) or any S3-compatible store (when S3_ENDPOINT and S3_BUCKET are set).

Keys are `group/<group id>/recordings/<recording id>.mp4` in both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Protocol

from control.settings import Settings

CHUNK = 256 * 1024
# S3 refuses parts under 5 MiB (but the last) and more than 10,000 parts.
MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10_000


def recording_key(group_id: uuid.UUID, recording_id: uuid.UUID) -> str:
    return f"group/{group_id}/recordings/{recording_id}.mp4"


class RecordingStorage(Protocol):
    kind: str

    async def put(self, key: str, source: Path) -> int:
        """Stores a copy of `source` under `key`; returns its size in bytes."""

    async def delete(self, key: str) -> None:
        """Removes the object; nothing happens when there is none."""

    async def size(self, key: str) -> int | None:
        """The object's size, or None when there is none."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` (inclusive; None: to the end) of the object."""

    async def presigned_url(self, key: str, ttl_s: int) -> str | None:
        """A URL that gets the object without us for `ttl_s` seconds; None when the node must serve it."""

    async def close(self) -> None: ...


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):  # keys are ours, but a bad one must never escape
            raise ValueError(f"storage key outside the folder: {key!r}")
        return path

    async def put(self, key: str, source: Path) -> int:
        target = self._path(key)

        def copy() -> int:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            shutil.copyfile(source, partial)
            os.replace(partial, target)  # readers see the whole file or none
            return target.stat().st_size

        return await asyncio.to_thread(copy)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = await asyncio.to_thread(handle.read, CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return None

    async def close(self) -> None:
        pass


class S3Storage:
    kind = "s3"

    def __init__(self, client: Any, bucket: str, exit_stack: contextlib.AsyncExitStack) -> None:
        self._client = client
        self.bucket = bucket
        self._exit_stack = exit_stack

    @classmethod
    async def open(cls, settings: Settings, bucket: str) -> S3Storage:
        import aioboto3
        from botocore.config import Config

        stack = contextlib.AsyncExitStack()
        session = aioboto3.Session(aws_access_key_id=settings.s3_access_key,
                                   aws_secret_access_key=settings.s3_secret_key, region_name=settings.s3_region)
        # Path-style: S3-compatible servers rarely have a DNS name per bucket.
        client = await stack.enter_async_context(session.client(
            "s3", endpoint_url=settings.s3_endpoint, config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        ))
        return cls(client, bucket, stack)

    async def put(self, key: str, source: Path) -> int:
        size = source.stat().st_size
        if size <= MIN_PART:
            with source.open("rb") as handle:
                await self._client.put_object(Bucket=self.bucket, Key=key, Body=await asyncio.to_thread(handle.read),
                                              ContentType="video/mp4")
            return size
        part_size = max(MIN_PART, -(-size // MAX_PARTS))
        upload = await self._client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType="video/mp4")
        upload_id = upload["UploadId"]
        try:
            parts = []
            with source.open("rb") as handle:
                number = 1
                while chunk := await asyncio.to_thread(handle.read, part_size):
                    part = await self._client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                          PartNumber=number, Body=chunk)
                    parts.append({"PartNumber": number, "ETag": part["ETag"]})
                    number += 1
            await self._client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                         MultipartUpload={"Parts": parts})
        except BaseException:
            # Parts of an upload never completed are kept (and billed) until aborted.
            await asyncio.shield(self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id))
            raise
        return size

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)

    async def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        wanted = f"bytes={start}-{'' if end is None else end}"
        answer = await self._client.get_object(Bucket=self.bucket, Key=key, Range=wanted)
        body = answer["Body"]
        try:
            while chunk := await body.read(CHUNK):
                yield chunk
        finally:
            body.close()

    async def presigned_url(self, key: str, ttl_s: int) -> str | None:
        url: str = await self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": "video/mp4"},
            ExpiresIn=ttl_s,
        )
        return url

    async def close(self) -> None:
        await self._exit_stack.aclose()


async def open_storage(settings: Settings) -> RecordingStorage:
    """S3 when it is configured, else the `recordings` folder in the data folder."""
    if settings.s3_endpoint and settings.s3_bucket:
        return await S3Storage.open(settings, settings.s3_bucket)
    return LocalStorage(settings.data_dir / "recordings")
