from carecast.core.audit import register_action

CONTENT_CREATE = register_action("content.create", "Content item drafted")
CONTENT_UPDATE = register_action("content.update", "Content item edited (a new revision)")
CONTENT_SUBMIT = register_action("content.submit", "Content item submitted for review")
CONTENT_APPROVE = register_action("content.approve", "Revision approved")
CONTENT_REJECT = register_action("content.reject", "Changes requested by a reviewer")
CONTENT_SCHEDULE = register_action("content.schedule", "Publish time set")
CONTENT_UNSCHEDULE = register_action("content.unschedule", "Scheduled publishing cancelled")
