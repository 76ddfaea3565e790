"""The exports module's one error type (exports, imports, reports). Codes are stable."""

from operations.core.errors import STATUS_BY_CODE, DomainError

_STATUS = {"link_invalid": 404, "link_expired": 410, "file_too_large": 413, "capacity_exceeded": 409}


class ExportError(DomainError):
    code = "export_invalid"

    @property
    def http_status(self) -> int:
        return _STATUS.get(self.code) or STATUS_BY_CODE.get(self.code, 400)
