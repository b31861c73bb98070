"""Audit action names owned by core. Each app registers its own in its `audit_actions.py`."""

from carecast.core.audit import register_action

ORG_CREATE = register_action("organization.create", "Organisation created")
ORG_UPDATE = register_action("organization.update", "Organisation settings changed")
BRAND_CREATE = register_action("brand.create", "Brand or facility created")
AUDIT_EXPORT = register_action("audit.export", "Audit log exported as CSV")
