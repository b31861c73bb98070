from carecast.core.audit import register_action

JOB_CREATE = register_action("publish_job.create", "Publish job scheduled")
JOB_RESCHEDULE = register_action("publish_job.reschedule", "Publish job moved to a new time")
JOB_CANCEL = register_action("publish_job.cancel", "Publish job cancelled")
JOB_PUBLISHED = register_action("publish_job.published", "Posted to the channel")
JOB_FAILED = register_action("publish_job.failed", "Publishing failed")
