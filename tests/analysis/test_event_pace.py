"""Time in each event's own paces: fresh events take weak matches, settled ones need names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.events.model import Event
from yuqing.analysis.events.tokenize import SINGLES_MAX_CHARS, tokens
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)

ROOT = "【活取猴脑】一只幼猴紧紧抱着将被活取猴脑的妈妈，这家餐馆还在卖，太残忍了"
# Reactions to it: one shares two common words and a character with it (a weak match,
# cosine just under `min_cosine_cjk`), one names the dish (a cosine well above, but its
# shared words are few and ordinary), one names the restaurant and the cruelty.
WEAK = "妈妈抱着孩子的样子让人心疼"
DISH = "谁吃猴脑啊？是觉得自己没脑子需要补补吗？"
NAMES = "太残忍了，这家餐馆必须查"


def post(pid: str, text: str, at: datetime) -> Post:
    obj = {"id": pid, "text": text, "published_at": at.isoformat()}
    return parse_post(obj, received_at=at, max_post_bytes=1 << 20)


def story(
    config: ClusterConfig | None = None, *, gap: timedelta, posts: int = 1
) -> tuple[OnlineClusterer, str, datetime]:
    """A story opened by ROOT, then `posts - 1` more of its posts `gap` apart (placed by
    hand: their words do not matter here); returns the clusterer, the event and the time
    of its last post."""
    clusterer = OnlineClusterer(config)
    event_id = clusterer.assign(post("root", ROOT, T0)).event_id
    at = T0
    for n in range(1, posts):
        at = T0 + n * gap
        clusterer.learn_one(post(f"s{n}", ROOT, at), event_id)
    return clusterer, event_id, at


def test_an_event_counts_idle_time_in_its_own_gaps() -> None:
    burst = Event("a", "", 1, "", "p", T0, T0 + timedelta(minutes=4), size=5)
    slow = Event("b", "", 2, "", "q", T0, T0 + timedelta(hours=4), size=5)
    later = T0 + timedelta(hours=6)
    prior = 300.0  # the time before the first post counts as one gap of 5 minutes
    # Five posts in 4 minutes: a gap of 1.8 minutes; idle 356 minutes is ~200 gaps.
    assert round(burst.paces(later, prior)) == 198
    # Five posts in 4 hours: a gap of about 49 minutes; idle 2 hours is ~2.4 gaps.
    assert 2.0 < slow.paces(later, prior) < 3.0
    assert burst.paces(T0, prior) == 0.0  # a post dated before its last one: not idle
    single = Event("c", "", 3, "", "r", T0, T0, size=1)
    assert single.paces(T0 + timedelta(minutes=10), prior) == 2.0


def test_an_event_in_its_burst_takes_a_weak_match() -> None:
    clusterer, event_id, at = story(gap=timedelta(minutes=1))
    reaction = post("weak", WEAK, at + timedelta(minutes=1))
    assert clusterer.assign(reaction).event_id == event_id
    # Not when the organization's watches say it is another topic.
    clusterer = OnlineClusterer()
    root = post("root", ROOT, T0)
    root.watches = ["猴"]
    event_id = clusterer.assign(root).event_id
    reaction = post("weak", WEAK, T0 + timedelta(minutes=1))
    reaction.watches = ["餐馆"]
    assert clusterer.assign(reaction).event_id != event_id
    # Nor for a report (a post with a headline): a long text shares a few words with
    # anything (the demo's sports-day notice and the hospital's first posts).
    clusterer, event_id, at = story(gap=timedelta(minutes=1))
    report = parse_post(
        {"id": "r", "title": "今日随笔", "text": WEAK, "published_at": at.isoformat()},
        received_at=at,
        max_post_bytes=1 << 20,
    )
    assert clusterer.predict_one(report) is None
    # The rule off: a cosine under `min_cosine_cjk` is refused whatever the timing.
    clusterer, event_id, at = story(ClusterConfig(fresh_paces=0), gap=timedelta(minutes=1))
    assert clusterer.assign(post("weak", WEAK, at + timedelta(minutes=1))).event_id != event_id


def test_a_weak_match_is_refused_after_the_burst_and_by_a_bigger_event() -> None:
    # A quarter of an hour after a lone post is three of its paces: past its burst.
    clusterer, event_id, at = story(gap=timedelta(minutes=1))
    assert clusterer.assign(post("weak", WEAK, at + timedelta(minutes=15))).event_id != event_id
    # An event of more posts than `fresh_max_size`, in full burst (a loud story: its
    # centroid is too many posts for a weak match to say anything about; the demo's
    # hospital posts and the canteen story, tests/analysis/test_event_threads.py).
    clusterer, event_id, at = story(ClusterConfig(fresh_max_size=0), gap=timedelta(minutes=1))
    assert clusterer.predict_one(post("weak", WEAK, at + timedelta(seconds=10))) is None


def test_a_settled_event_takes_a_post_that_names_it_only() -> None:
    # A burst: four posts a minute apart, then two hours of silence (~40 of its paces).
    clusterer, event_id, at = story(gap=timedelta(minutes=1), posts=4)
    later = at + timedelta(hours=2)
    dish = post("dish", DISH, later)
    assert clusterer.predict_one(dish) is None  # shares 猴脑 only: a passing reaction
    assert clusterer.predict_one(post("names", NAMES, later)) == event_id
    # The bar off: the dish's cosine (about 0.2) is enough.
    clusterer, event_id, at = story(
        ClusterConfig(settled_paces=0), gap=timedelta(minutes=1), posts=4
    )
    assert clusterer.predict_one(post("dish", DISH, at + timedelta(hours=2))) == event_id


def test_a_slow_story_is_not_settled_by_the_hours_between_its_posts() -> None:
    # The same two hours after a story that posts once an hour are two of its paces.
    clusterer, event_id, at = story(gap=timedelta(hours=1), posts=4)
    assert clusterer.predict_one(post("dish", DISH, at + timedelta(hours=2))) == event_id


def test_freshness_ranks_the_events_that_may_take_a_post() -> None:
    # Two events with the same words: the one in its burst wins, where without the bonus
    # the older and busier one would.
    def nearest(config: ClusterConfig | None = None) -> str | None:
        clusterer = OnlineClusterer(config)
        clusterer.learn_one(post("a1", ROOT, T0), "settled")
        clusterer.learn_one(post("a2", ROOT, T0 + timedelta(minutes=30)), "settled")
        clusterer.learn_one(post("b1", ROOT, T0 + timedelta(hours=1)), "fresh")
        return clusterer.predict_one(post("names", NAMES, T0 + timedelta(hours=1, minutes=1)))

    assert nearest() == "fresh"
    assert nearest(ClusterConfig(fresh_bonus=0)) == "settled"


def test_one_character_words_are_features_function_characters_are_not() -> None:
    words = tokens("谁吃猴脑啊")
    assert "_吃" in words and "_谁" in words  # jieba leaves them alone: they name things
    assert "_啊" not in words
    assert "猴脑" in words and "_猴脑" in words


def test_one_character_words_count_in_comments_not_in_long_posts() -> None:
    """A long post names its story in words; its single characters would only add cost."""
    comment = "这次吃猴的事" + "，" * (SINGLES_MAX_CHARS - 6)
    assert len(comment) == SINGLES_MAX_CHARS and "_吃" in tokens(comment)
    long_post = comment + "，"
    assert "_吃" not in tokens(long_post)
    assert "_猴" not in tokens(long_post)
