from carecast.core.audit import register_action

SUBSCRIBER_ADD = register_action("subscriber.add", "Newsletter subscriber added (address stored encrypted)")
SUBSCRIBER_UNSUBSCRIBE = register_action("subscriber.unsubscribe", "Newsletter subscriber unsubscribed")
TEXT_SUBSCRIBER_ADD = register_action(
    "text_subscriber.add", "Text-message subscriber added (number stored encrypted)"
)
TEXT_SUBSCRIBER_STOP = register_action(
    "text_subscriber.stop", "Text-message subscriber opted out (replied STOP)"
)
TEXT_SUBSCRIBER_START = register_action(
    "text_subscriber.start", "Text-message subscriber opted back in (replied START)"
)
