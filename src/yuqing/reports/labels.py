"""Names people read for the closed sets a report shows (media tiers, tones, kinds)."""

from __future__ import annotations

from yuqing.core.i18n import N_, _

_TIERS = {
    "central": N_("central media"),
    "provincial": N_("provincial media"),
    "municipal": N_("municipal media"),
    "local": N_("local media"),
    "self": N_("self-media"),
    "unknown": N_("unknown"),
}
# The platform categories of CONTRACTS "Post" (monitor/posts.py PLATFORMS).
_PLATFORMS = {
    "news": N_("news sites"),
    "portal": N_("portals"),
    "forum": N_("forums"),
    "microblog": N_("microblogs"),
    "wechat": N_("WeChat"),
    "video": N_("video platforms"),
    "qa": N_("Q&A sites"),
    "board": N_("message boards"),
    "other": N_("other platforms"),
    "unknown": N_("unknown"),
}
_KINDS = {
    "daily": N_("Daily public-opinion briefing"),
    "weekly": N_("Weekly public-opinion briefing"),
    "monthly": N_("Monthly public-opinion report"),
    "bulletin": N_("Online public-opinion bulletin"),
}
_LEVEL_STATUS = {
    "proposed": N_("proposed"),
    "confirmed": N_("confirmed"),
    "changed": N_("changed by a person"),
}


_INCIDENT_ROLES = {"lead": N_("leads"), "helper": N_("helps")}


def tier_name(tier: str | None) -> str:
    """A media tier as people say it; an unknown value as it was stored."""
    key = tier or "unknown"
    return _(_TIERS[key]) if key in _TIERS else key


def platform_name(platform: str | None) -> str:
    """A platform category as people say it; an unknown value as it was stored."""
    key = platform or "unknown"
    return _(_PLATFORMS[key]) if key in _PLATFORMS else key


def kind_title(kind: str) -> str:
    """The title of a report of `kind`."""
    return _(_KINDS[kind])


def level_status_name(status: str | None) -> str:
    return _(_LEVEL_STATUS[status]) if status in _LEVEL_STATUS else ""


def incident_role_name(role: str) -> str:
    """What a department does in an incident: leads it (牵头) or helps (协办)."""
    return _(_INCIDENT_ROLES[role]) if role in _INCIDENT_ROLES else role


def incident_status_name(status: str) -> str:
    """An incident's status (open, ended, closed) in words."""
    from yuqing.incidents.wording import label

    return label(status)


# The names report templates (built-in and administrators') can call.
TEMPLATE_GLOBALS = {
    "tier_name": tier_name,
    "platform_name": platform_name,
    "level_status_name": level_status_name,
    "incident_role_name": incident_role_name,
    "incident_status_name": incident_status_name,
}
