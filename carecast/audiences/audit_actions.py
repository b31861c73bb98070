from carecast.core.audit import register_action

SUBSCRIBER_ADD = register_action("subscriber.add", "Newsletter subscriber added (address stored encrypted)")
SUBSCRIBER_UNSUBSCRIBE = register_action("subscriber.unsubscribe", "Newsletter subscriber unsubscribed")
