"""All models, imported here so `Base.metadata` knows every table."""

from app.core.models.administration import (
    Announcement,
    AnnouncementDismissal,
    AuditEntry,
    OidcLogin,
    Report,
    TweetVersion,
    WebSession,
)
from app.core.models.base import Base
from app.core.models.conversation import ConversationJoin, Mention, Notification, UserHandle
from app.core.models.hashtag import TweetHashtag
from app.core.models.media import FileDeletion, Media
from app.core.models.social import Follow, Like
from app.core.models.tweet import Tweet
from app.core.models.user import User

__all__ = [
    "Announcement",
    "AnnouncementDismissal",
    "AuditEntry",
    "Base",
    "ConversationJoin",
    "FileDeletion",
    "Follow",
    "Like",
    "Media",
    "Mention",
    "Notification",
    "OidcLogin",
    "Report",
    "Tweet",
    "TweetHashtag",
    "TweetVersion",
    "User",
    "UserHandle",
    "WebSession",
]
