from carecast.core.audit import register_action

JOB_CREATE = register_action("publish_job.create", "Publish job scheduled")
JOB_RESCHEDULE = register_action("publish_job.reschedule", "Publish job moved to a new time")
JOB_CANCEL = register_action("publish_job.cancel", "Publish job cancelled")
JOB_PUBLISHED = register_action("publish_job.published", "Posted to the channel")
JOB_FAILED = register_action("publish_job.failed", "Publishing failed")
JOB_RETRY = register_action("publish_job.retry", "Publishing will be tried again (nothing was posted)")
JOB_UNCONFIRMED = register_action("publish_job.unconfirmed", "Outcome unknown: reading back from the network")
JOB_PAUSE = register_action("publish_job.pause", "Publish job paused by the crisis switch")
PUBLISHING_PAUSE = register_action("publishing.pause", "Crisis switch: all publishing paused, with a reason")
PUBLISHING_RESUME = register_action("publishing.resume", "Publishing resumed (confirmed)")
JOB_RETRY_REQUEST = register_action("publish_job.retry_request", "Owner asked to retry a failed post")
TARGETS_SET = register_action("publish_target.set", "Channels chosen for a content item")
ACCOUNT_CONNECT = register_action(
    "channel_account.connect", "Channel account connected (secret stored encrypted)"
)
ACCOUNT_NEEDS_RECONNECT = register_action(
    "channel_account.needs_reconnect", "The network refused the account's credentials: reconnect needed"
)
ACCOUNT_RECONNECT = register_action("channel_account.reconnect", "Channel account reconnected (new secret)")
ACCOUNT_TOKEN_REFRESH = register_action(
    "channel_account.token_refresh", "The account's OAuth access token renewed before it expired"
)
ACCOUNT_RATE_LIMITED = register_action(
    "channel_account.rate_limited", "The network asked us to wait before posting to this account again"
)
APP_RATE_LIMITED = register_action(
    "channel_network.rate_limited", "The network asked carecast as a whole to wait before posting again"
)
JOB_DELETE = register_action("publish_job.delete", "Published post deleted from the network")
ACCOUNT_ACCESS_ENDING = register_action(
    "channel_account.access_ending", "A channel account's access ends soon and cannot be renewed: owner told"
)
