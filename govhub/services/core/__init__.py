"""What every domain uses: errors, the audit trail, text folding, dialect helpers, file storage,
notification rows and the e-mail outbox."""

from govhub.services.core.errors import Conflict, GovHubError, Invalid, NotFound
from govhub.services.core.mail import do_send_outbox
from govhub.services.core.storage import (
    CheckedUpload,
    FileStore,
    UploadPolicy,
    check_upload,
    get_store,
    store_in_transaction,
)
from govhub.services.core.versioning import claim_version

__all__ = [
    "CheckedUpload", "Conflict", "FileStore", "GovHubError", "Invalid", "NotFound", "UploadPolicy", "check_upload",
    "claim_version", "do_send_outbox", "get_store", "store_in_transaction",
]
