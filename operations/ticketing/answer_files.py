"""Files attendees upload as answers to an event's questions (CVs, ID scans): personal data, so
kept privately, outside MEDIA_ROOT where no media route can serve them, in a folder per
organization and under a folder name nobody can guess. Staff download them through the admin
(admin_views.order_answer_file); an organization's folder goes when the organization is erased."""

import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django_tenants.utils import schema_context


def _root() -> Path:
    return Path(getattr(settings, "ANSWER_FILES_ROOT", None) or Path(settings.MEDIA_ROOT).parent / "answer-files")


def answer_files_storage(schema: str | None = None) -> FileSystemStorage:
    """The storage of the organization whose schema is in place (or ``schema``)."""
    return FileSystemStorage(location=_root() / (schema or connection.schema_name))


def answer_file_save(upload) -> str:
    """Keep ``upload``; returns its stored name (what an answer's "file" holds)."""
    name = PurePath(upload.name or "upload").name[-100:] or "upload"
    return answer_files_storage().save(f"{secrets.token_urlsafe(18)}/{name}", upload)


def answer_files_delete(names) -> None:
    storage = answer_files_storage()
    for name in names:
        storage.delete(name)


@contextmanager
def answer_files_dropped_on_error(names):
    """Delete the files ``names`` when the block raises: the change that was to keep them was
    refused (or failed), so nothing points at them."""
    try:
        yield
    except BaseException:
        answer_files_delete(names)
        raise


def answer_files_delete_after_commit(names) -> None:
    """Delete the files once the change that dropped them commits (a rollback keeps them), in the
    organization in place now (the commit may come after the caller left its schema)."""
    schema, names = connection.schema_name, list(names)

    def delete():
        with schema_context(schema):
            answer_files_delete(names)

    transaction.on_commit(delete)


def organization_answer_files_erase(sender, instance, **kwargs) -> None:
    """Receiver of the organization's post_delete: its answer files go with it."""
    shutil.rmtree(_root() / instance.schema_name, ignore_errors=True)
