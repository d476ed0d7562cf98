"""Online event clustering: stories join, stories stay apart, state is bounded and resumable."""

from __future__ import annotations

import json
import random
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner

from yuqing.analysis import steps
from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.events.evaluate import bcubed, cluster_file, nmi, scores
from yuqing.analysis.events.tokenize import tokens
from yuqing.analysis.events.vectorize import top_terms
from yuqing.analysis.steps import ClusterStep
from yuqing.cli.cluster import register
from yuqing.core.textfold import fold
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clustering"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)

BOSTON = [
    "Explosions at the Boston Marathon finish line, many injured #BostonMarathon",
    "RT @cnn: Two explosions near the Boston Marathon finish line http://t.co/abc",
    "Police: Boston Marathon explosions were bombs, finish line area evacuated",
    "Praying for everyone hurt in the Boston Marathon bombing #prayforboston",
]
FLOOD_ZH = [
    "【北京暴雨】今天北京遭遇特大暴雨，多条道路积水严重，地铁部分停运。",
    "北京暴雨导致道路积水，地铁停运，市民出行受阻 #北京暴雨#",
    "北京暴雨：积水路段车辆被淹，消防紧急救援被困市民",
    # Traditional script, as a Hong Kong or Taiwan outlet would write it.
    "北京暴雨後多條道路積水嚴重，地鐵停運，消防救援被困市民",
]
SCHOOL_ZH = [
    "某中学食堂饭菜发霉，学生家长投诉学校管理不到位",
    "中学食堂饭菜发霉事件：教育局介入调查学校食堂",
    "家长投诉中学食堂饭菜发霉，学校回应正在整改",
]
LONG_ARTICLE = (
    "北京暴雨持续，市气象台发布暴雨红色预警。" + "记者在现场看到，多条道路积水严重，地铁停运。" * 40
)


def make_post(pid: str, text: str, at: datetime, *, title: str = "", **extra: Any) -> Post:
    """A post as normalize hands it to the pipeline."""
    obj: dict[str, Any] = {"id": pid, "text": text, "published_at": at.isoformat(), **extra}
    if title:
        obj["title"] = title
    return parse_post(obj, received_at=RECEIVED, max_post_bytes=1 << 20)


def stream(texts: list[str], prefix: str, start: datetime = T0) -> list[Post]:
    return [
        make_post(f"{prefix}{i}", text, start + timedelta(minutes=7 * i))
        for i, text in enumerate(texts)
    ]


def interleave(*groups: list[Post]) -> list[Post]:
    out: list[Post] = []
    for i in range(max(len(g) for g in groups)):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def test_tokens_drop_urls_mentions_rt_and_emoticons_and_keep_hashtags() -> None:
    words = tokens(fold("RT @someone: Boston #PrayForBoston http://t.co/x 太可怕了[哈哈]"))
    assert "rt" not in words
    assert "someone" not in words
    assert not any("t.co" in w for w in words)
    assert "哈哈" not in words
    assert words.count("prayforboston") == 2
    assert "boston" in words
    assert tokens(fold("臺灣颱風")) == tokens(fold("台湾台风"))


def test_same_story_joins_one_event_and_different_stories_stay_apart() -> None:
    boston, flood, school = stream(BOSTON, "b"), stream(FLOOD_ZH, "f"), stream(SCHOOL_ZH, "s")
    long_post = make_post("long", LONG_ARTICLE, T0 + timedelta(hours=1), title="北京暴雨红色预警")
    clusterer = OnlineClusterer()
    ids = {p.id: clusterer.assign(p).event_id for p in interleave(boston, flood, school)}
    ids["long"] = clusterer.assign(long_post).event_id
    assert len({ids[p.id] for p in boston}) == 1
    assert len({ids[p.id] for p in flood} | {ids["long"]}) == 1  # Traditional and long too
    assert len({ids[p.id] for p in school}) == 1
    assert len({ids[boston[0].id], ids[flood[0].id], ids[school[0].id]}) == 3


def test_event_summary_has_title_keywords_first_post_and_span() -> None:
    clusterer = OnlineClusterer()
    posts = stream(FLOOD_ZH, "f")
    results = [clusterer.assign(p) for p in posts]
    event_id = results[0].event_id
    assert {r.event_id for r in results} == {event_id}
    summary = clusterer.summary(event_id)
    assert summary is not None
    assert summary.title.startswith("【北京暴雨】")
    assert "暴雨" in summary.keywords
    assert summary.first_post_id == "f0"
    assert summary.first_at == posts[0].published_at
    assert summary.last_at == posts[-1].published_at
    assert summary.size == len(FLOOD_ZH)


def test_copies_join_their_originals_event() -> None:
    clusterer = OnlineClusterer()
    original = make_post("o1", "某中学食堂饭菜发霉，学生家长投诉", T0)
    other = make_post("o2", "Explosions at the Boston Marathon finish line", T0)
    first = clusterer.assign(original)
    clusterer.assign(other)
    # A copy whose words say little (a bare forward) still joins through duplicate_of.
    copy = make_post("c1", "转发微博", T0 + timedelta(minutes=5), duplicate_of="o1")
    result = clusterer.assign(copy)
    assert result.event_id == first.event_id
    assert result.reason == "copy"
    repeat = make_post("r1", "RT @x: Explosions at the Boston Marathon finish line", T0)
    assert clusterer.assign(repeat).reason == "repeat"


def test_partitions_never_share_events() -> None:
    clusterer = OnlineClusterer()
    a = [clusterer.assign(p, partition="org-a").event_id for p in stream(BOSTON, "a")]
    b = [clusterer.assign(p, partition="org-b").event_id for p in stream(BOSTON, "b")]
    assert not set(a) & set(b)
    copy = make_post("c", BOSTON[0], T0, duplicate_of="a0")
    assert clusterer.assign(copy, partition="org-b").event_id in set(b)


def test_idle_events_retire_and_live_events_stay_bounded() -> None:
    config = ClusterConfig(retire_after_hours=24.0, max_live=50)
    clusterer = OnlineClusterer(config)
    first = clusterer.assign(make_post("x0", "Explosions at the Boston Marathon", T0))
    later = T0 + timedelta(days=3)
    assert clusterer.assign(make_post("x1", "北京暴雨道路积水", later)).is_new
    retired = clusterer.drain_retired()
    assert [s.event_id for s in retired] == [first.event_id]
    assert clusterer.summary(first.event_id) is None
    for i in range(400):
        clusterer.assign(make_post(f"n{i}", f"unique{i}word story{i}x", later))
        assert clusterer.live_count() <= 50
    assert len(clusterer.drain_retired()) >= 350


def test_live_pipeline_keeps_no_retired_summaries_and_assigns_the_same() -> None:
    # The pipeline stores facts batch by batch: summaries of retired events would only
    # cost time and memory. Which event each post joins does not change.
    config = ClusterConfig(retire_after_hours=24.0, max_live=20)
    keeping = OnlineClusterer(config)
    step = ClusterStep()
    step.clusterer = OnlineClusterer(config)
    step.clusterer.keep_no_retired()
    posts = [make_post(f"n{i}", f"unique{i % 30}word story{i % 45}x", T0) for i in range(200)]
    posts += stream(BOSTON + FLOOD_ZH, "late", T0 + timedelta(days=3))
    step.begin()
    step(posts[:120], now=RECEIVED)
    step.commit()
    step(posts[120:], now=RECEIVED)
    assert [p.annotations["event_id"] for p in posts] == [keeping.assign(p).event_id for p in posts]
    assert len(keeping.drain_retired()) > 100
    assert step.clusterer.drain_retired() == []
    # A checkpoint written while summaries were kept restores without them.
    restored = ClusterStep()
    restored.restore([keeping.snapshot()])
    assert restored.clusterer.config.retired_kept == 0
    restored.clusterer.assign(make_post("z", "another unique story", T0 + timedelta(days=9)))
    assert restored.clusterer.drain_retired() == []


def test_snapshot_restore_gives_identical_later_assignments() -> None:
    posts = interleave(stream(BOSTON, "b"), stream(FLOOD_ZH, "f"), stream(SCHOOL_ZH, "s"))
    head, tail = posts[:5], posts[5:]
    one = OnlineClusterer()
    for post in head:
        one.assign(post)
    data = one.snapshot()
    assert data.startswith(b"{")  # JSON, never pickle
    two = OnlineClusterer()
    two.restore(data)
    assert [one.assign(p) for p in tail] == [two.assign(p) for p in tail]
    assert one.snapshot() == two.snapshot()


def test_snapshot_in_pieces_is_the_whole_json() -> None:
    one = OnlineClusterer()
    for post in interleave(stream(BOSTON, "b"), stream(FLOOD_ZH, "f")):
        one.assign(post, partition="org-a" if post.id.startswith("b") else "")
    whole = one.snapshot()
    # However small the pieces, they join into the same JSON, keys in the same order.
    assert b"".join(one.snapshot_parts(items=1)) == whole
    assert b"".join(one.snapshot_parts(items=3)) == whole
    state = json.loads(whole)
    assert list(state) == ["version", "config", "df", "live", "index", "post_event",
                           "repeats", "orphans", "awaiting", "aliases", "manual", "retired", "seq", "watermark"]  # fmt: skip
    assert set(state["index"]) == {"org-a", ""}
    assert len(state["post_event"]) == len(BOSTON) + len(FLOOD_ZH)


def test_cluster_checkpoint_is_compressed_json_and_plain_json_still_restores() -> None:
    step = ClusterStep()
    for post in stream(SCHOOL_ZH, "s"):
        step.clusterer.assign(post)
    plain = step.clusterer.snapshot()
    pieces = list(step.snapshot())
    data = b"".join(pieces)
    assert len(pieces) == 1 and len(data) < len(plain)
    assert zlib.decompress(data) == plain
    for saved in (data, plain):  # checkpoints from before compression are plain JSON
        other = ClusterStep()
        other.restore([saved])
        assert other.clusterer.snapshot() == plain


def test_cluster_checkpoint_in_many_pieces_restores_the_same_clusterer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Enough distinct words that the compressor emits output before its final flush.
    rnd = random.Random(5)
    vocabulary = [f"w{n:04d}x{rnd.randrange(10**6)}" for n in range(3000)]
    posts = [
        make_post(f"r{i}", " ".join(rnd.sample(vocabulary, 12)), T0 + timedelta(minutes=i))
        for i in range(600)
    ]
    posts += interleave(stream(BOSTON, "b", T0 + timedelta(days=1)), stream(FLOOD_ZH, "f"))
    step = ClusterStep()
    for post in posts[:500]:
        step.clusterer.assign(post, partition="org-a" if post.id.endswith("7") else "")
    monkeypatch.setattr(steps, "CHECKPOINT_PIECE", 4096)
    pieces = list(step.snapshot())
    assert len(pieces) >= 3 and all(len(p) == 4096 for p in pieces[:-1])
    assert zlib.decompress(b"".join(pieces)) == step.clusterer.snapshot()
    other = ClusterStep()
    other.restore(iter(pieces))
    assert other.clusterer.snapshot() == step.clusterer.snapshot()
    later = posts[500:]
    assert [step.clusterer.assign(p) for p in later] == [other.clusterer.assign(p) for p in later]
    # A checkpoint missing its last pieces is refused, never half restored.
    with pytest.raises(ValueError, match="cut short"):
        ClusterStep().restore(pieces[:-2])


def test_rollback_forgets_a_batch_and_later_assignments_are_unchanged() -> None:
    # Small tables: the batch retires events and pushes old links out.
    config = ClusterConfig(max_live=4, memory_posts=6)
    posts = interleave(stream(BOSTON, "b"), stream(FLOOD_ZH, "f"), stream(SCHOOL_ZH, "s"))
    head, batch = posts[:4], posts[4:]
    one = OnlineClusterer(config)
    for post in head:
        one.assign(post)
    before = one.snapshot()
    one.begin()
    assigned = [one.assign(p) for p in batch]
    one.merge(assigned[0].event_id, assigned[-1].event_id)
    one.split(assigned[1].event_id, [batch[1]])
    for i in range(6):
        one.assign(make_post(f"n{i}", f"unique{i}word story{i}x", T0 + timedelta(days=20)))
    one.rollback()
    assert orjson.loads(one.snapshot()) == orjson.loads(before)
    two = OnlineClusterer(config)
    two.restore(before)
    assert [one.assign(p) for p in batch] == [two.assign(p) for p in batch]
    # A committed batch stays.
    one.begin()
    one.assign(make_post("k1", "Explosions at the Boston Marathon finish line", T0))
    one.commit()
    one.rollback()
    assert one.snapshot() != two.snapshot()


def test_manual_merge_and_split_are_kept() -> None:
    clusterer = OnlineClusterer()
    boston = [clusterer.assign(p) for p in stream(BOSTON, "b")]
    school = [clusterer.assign(p) for p in stream(SCHOOL_ZH, "s")]
    clusterer.merge(boston[0].event_id, school[0].event_id)
    later = make_post("s9", SCHOOL_ZH[0], T0 + timedelta(hours=2))
    assert clusterer.assign(later).event_id == boston[0].event_id
    moved = stream(SCHOOL_ZH, "m", T0 + timedelta(hours=3))
    new_id = clusterer.split(boston[0].event_id, moved)
    assert new_id != boston[0].event_id
    next_school = make_post("s10", "中学食堂饭菜发霉 家长投诉学校", T0 + timedelta(hours=4))
    assert clusterer.assign(next_school).event_id == new_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀😀😀🔥",
        "x" * (1 << 20),
        "地" * (1 << 18),
        "Boston 爆炸 marathon 地震 Москва 東京",
        "<p>北京<b>暴雨</b></p><script>alert(1)</script>&nbsp;&amp;",
        "[哈哈][哈哈]",
        "@someone @other http://t.co/x",
    ],
)
def test_bad_inputs_do_not_crash(text: str) -> None:
    clusterer = OnlineClusterer()
    clusterer.assign(make_post("seed", BOSTON[0], T0))
    post = Post(id="bad", title="", text=text, published_at=T0, received_at=T0, folded=fold(text))
    result = clusterer.assign(post)
    assert result.event_id.startswith("ev-")
    assert clusterer.summary(result.event_id) is not None


def test_future_dated_post_does_not_retire_everything() -> None:
    clusterer = OnlineClusterer()
    first = clusterer.assign(make_post("a", BOSTON[0], T0))
    # Received an hour later but dated 2099: its time counts as when it was received.
    future = parse_post(
        {"id": "f", "text": "北京暴雨", "published_at": "2099-01-01T00:00:00+00:00"},
        received_at=T0 + timedelta(hours=1),
        max_post_bytes=1 << 20,
    )
    clusterer.assign(future)
    assert clusterer.summary(first.event_id) is not None


def test_bcubed_and_nmi_on_known_partitions() -> None:
    gold = ["a", "a", "b", "b"]
    assert bcubed(gold, ["x", "x", "y", "y"]) == (1.0, 1.0, 1.0)
    p, r, f = bcubed(gold, ["x", "x", "x", "x"])
    assert (p, r) == (0.5, 1.0)
    assert f == pytest.approx(2 / 3)
    p, r, _ = bcubed(gold, ["1", "2", "3", "4"])
    assert (p, r) == (1.0, 0.5)
    assert nmi(gold, ["x", "x", "y", "y"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "nmi_floor", "f1_floor"),
    [("crisislext_excerpt.jsonl", 0.7, 0.7), ("ced_excerpt.jsonl", 0.5, 0.2)],
)
def test_quality_on_real_excerpts(name: str, nmi_floor: float, f1_floor: float) -> None:
    gold, predicted = cluster_file(FIXTURES / name)
    result = scores(gold, predicted)
    assert result["nmi"] >= nmi_floor
    assert result["bcubed_f1"] >= f1_floor


def test_cluster_command_adds_event_id_to_every_line_in_order(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        """Keeps typer in multi-command mode."""

    src = FIXTURES / "crisislext_excerpt.jsonl"
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["cluster", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    inputs = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    outputs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in outputs] == [i["id"] for i in inputs]
    assert all(isinstance(o["event_id"], str) and o["event_id"] for o in outputs)
    assert all(o["gold_event"] == i["gold_event"] for o, i in zip(outputs, inputs, strict=True))
    assert len({o["event_id"] for o in outputs}) < len(outputs) // 4


def test_cluster_command_keeps_partitions_apart() -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        """Keeps typer in multi-command mode."""

    lines = [
        json.dumps({"id": f"{org}{i}", "text": text, "partition": org})
        for i, text in enumerate(BOSTON)
        for org in ("a", "b")
    ]
    result = CliRunner().invoke(app, ["cluster"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_org = {org: {r["event_id"] for r in rows if r["partition"] == org} for org in "ab"}
    assert by_org["a"]
    assert by_org["b"]
    assert not by_org["a"] & by_org["b"]


def test_chinese_bigrams_are_kept_apart_from_words_and_out_of_keywords() -> None:
    words = tokens(fold("北京暴雨积水"))
    assert "暴雨" in words
    assert "_暴雨" in words  # the bigram, marked, beside jieba's word
    clusterer = OnlineClusterer()
    results = [clusterer.assign(p) for p in stream(FLOOD_ZH, "f")]
    summary = clusterer.summary(results[0].event_id)
    assert len({r.event_id for r in results}) == 1
    assert summary is not None
    assert not any(k.startswith("_") for k in summary.keywords)


def test_busy_event_gets_the_activity_prior_and_idle_one_loses_it() -> None:
    clusterer = OnlineClusterer()
    event_id = [clusterer.assign(p) for p in stream(BOSTON, "b")][-1].event_id
    probe = make_post("p", "Boston Marathon finish line", T0 + timedelta(minutes=30))
    _, vec = clusterer._features(probe)
    soon = clusterer._nearest(vec, "", T0 + timedelta(minutes=30))
    late = clusterer._nearest(vec, "", T0 + timedelta(days=3))
    assert soon[0][1].id == late[0][1].id == event_id
    assert soon[0][0] > late[0][0]


def test_version_1_snapshot_still_restores() -> None:
    one = OnlineClusterer()
    for post in stream(BOSTON, "b"):
        one.assign(post)
    state = json.loads(one.snapshot())
    state["version"] = 1
    for event in state["live"]:
        del event["heat"]
    two = OnlineClusterer()
    two.restore(json.dumps(state).encode())
    later = make_post("b9", BOSTON[0], T0 + timedelta(hours=1))
    assert two.assign(later).event_id == one.assign(later).event_id


def test_a_post_of_another_watch_needs_more_shared_words_to_join() -> None:
    # The demo's case: a hospital complaint names the hospital the canteen story's
    # students were taken to. Matched by a different watch, it opens its own event;
    # the same words from the canteen watch would have joined.
    canteen = [
        "明德一中食堂午饭吃出虫子，孩子腹痛",
        "明德一中食堂到底怎么了，好几个学生肚子疼，有人去了县人民医院",
        "明德一中学生午餐后腹痛，县人民医院检查",
    ]
    hospital = "昨晚带老人去县人民医院急诊，排了三个小时，想投诉都不知道找谁"

    def run(watch_of_last: str) -> tuple[str, str]:
        clusterer = OnlineClusterer()
        ids = []
        for post in stream(canteen, "c"):
            post.watches = ["食堂"]
            ids.append(clusterer.assign(post).event_id)
        last = make_post("h", hospital, T0 + timedelta(minutes=30))
        last.watches = [watch_of_last]
        return ids[-1], clusterer.assign(last).event_id

    canteen_event, hospital_event = run("医院")
    assert hospital_event != canteen_event
    same_watch_event, joined = run("食堂")
    assert joined == same_watch_event


def test_top_terms_orders_by_weight_then_word() -> None:
    # The definition: sort by (−weight, word). Ties are common (words seen equally often
    # weigh the same), so random vectors with many equal weights check the fast path.
    rnd = random.Random(7)
    for _ in range(3000):
        vec = {
            f"w{rnd.randrange(200)}": rnd.choice((0.1, 0.2, 0.3, rnd.random()))
            for _ in range(rnd.randrange(60))
        }
        k = rnd.randrange(70)
        expected = [w for w, _ in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))][:k]
        assert top_terms(vec, k) == expected
    assert top_terms({"b": 0.5, "a": 0.5, "c": 0.9}, 2) == ["c", "a"]


def test_document_frequencies_over_the_cap_keep_the_most_frequent_words() -> None:
    from yuqing.analysis.events.vectorize import DocumentFrequency

    df = DocumentFrequency(max_terms=8)
    for n in range(1, 10):
        # Word "w{k}" is in the documents from the k-th on: earlier words are more frequent.
        df.learn([f"w{k}" for k in range(n)])
    # The ninth word went over the cap: the 6 most frequent words are kept, decayed.
    assert list(df.df) == [f"w{k}" for k in range(6)]
    assert df.df["w0"] < 9.0


def test_a_restored_clusterer_keeps_one_string_per_word_and_event_id() -> None:
    # As a running clusterer does: a copy of each word for every centroid, posting and
    # link that names it was tens of MB at 10,000 live events.
    one = OnlineClusterer()
    for post in interleave(stream(BOSTON, "b"), stream(FLOOD_ZH, "f"), stream(SCHOOL_ZH, "s")):
        one.assign(post)
    two = OnlineClusterer()
    two.restore(one.snapshot())
    assert two.snapshot() == one.snapshot()
    for clusterer in (one, two):
        words: dict[str, str] = {}
        for event in clusterer._live.values():
            for word in (*event.centroid, *event.indexed, *clusterer.df.df):
                assert words.setdefault(word, word) is word
        ids = {event.id: event.id for event in clusterer._live.values()}
        # Postings hold each event's seq; every one of them stands for a live event.
        live_seqs = {event.seq for event in clusterer._live.values()}
        for postings in clusterer._index[""].values():
            assert set(postings) <= live_seqs
        assert all(ids[e] is e for e in clusterer._post_event.values() if e in ids)


def test_the_table_of_shared_words_stays_bounded_by_the_document_frequencies() -> None:
    clusterer = OnlineClusterer()
    clusterer.assign(make_post("a", "Boston Marathon explosions near the finish line", T0))
    # A stream's vocabulary has no end: words no longer counted are let go.
    clusterer._shared_words([f"once{n}" for n in range(25_000)])
    (kept,) = clusterer._shared_words(["boston"])
    assert len(clusterer._words) <= len(clusterer.df.df) + 1
    assert kept is next(w for w in clusterer.df.df if w == "boston")


def test_background_counts_keep_weight_on_a_loud_storys_chinese_words_only() -> None:
    from yuqing.analysis.events.background import is_cjk_word, load, prior_counts
    from yuqing.analysis.events.vectorize import DocumentFrequency, tfidf

    total, counts = load()
    assert total > 90_000 and len(counts) > 20_000
    assert all(is_cjk_word(word) for word in counts)
    plain, primed = DocumentFrequency(), DocumentFrequency()
    primed.use_prior(prior_counts(10_000.0), 10_000.0)
    loud = ["食堂", "_食堂", "canteen", "school"]
    for df in (plain, primed):
        for n in range(300):  # one loud story: its words in every post
            df.learn([*loud, f"word{n}"])
    post = [*loud, "腹痛", "_腹痛", "pain"]
    without, with_prior = tfidf(post, plain), tfidf(post, primed)
    # Common in this stream, rare in ordinary posts: the story's word keeps some weight.
    assert with_prior["食堂"] > 2 * without["食堂"]
    # Other scripts keep the stream's idf (the vector's norm differs, their ratio not).
    assert with_prior["canteen"] / with_prior["pain"] == pytest.approx(
        without["canteen"] / without["pain"]
    )


def test_a_long_postings_list_drops_the_event_asked_for_and_only_it() -> None:
    # Past 64 entries an event is found in the list's bytes: a match that straddles two
    # entries (the high byte of one, the zero bytes of the next) is not it.
    from array import array

    from yuqing.analysis.events.clusterer import _discard

    straddling = 0x02 << 56  # little-endian bytes end in 02; its neighbour is all zeros
    postings = array("q", [straddling, 0, *range(10, 110), 2])
    _discard(postings, 2)
    assert list(postings) == [straddling, 0, *range(10, 110)]
    _discard(postings, 5)  # not listed: nothing changes
    assert list(postings) == [straddling, 0, *range(10, 110)]
    _discard(postings, 50)
    assert 50 not in postings and len(postings) == 101
    short = array("q", [7, 8, 9])
    _discard(short, 8)
    _discard(short, 11)
    assert list(short) == [7, 9]


def test_chinese_background_idfs_are_background_idf() -> None:
    """An event's `opening` reads the background idf of its Chinese words from a table:
    the same floats as `background_idf`, for words of the prior and words it lacks, and
    the stream's idf when there is no prior."""
    from yuqing.analysis.events.vectorize import DocumentFrequency

    df = OnlineClusterer().df
    assert df.prior is not None
    words = [*list(df.prior)[:500], "明德县", "_火", "新词汇汇"]
    assert list(df.chinese_background_idfs(words)) == [df.background_idf(w) for w in words]
    df.use_prior({"火灾": 3.0}, 100.0)  # a new prior: the table follows it
    assert list(df.chinese_background_idfs(["火灾", "地震"])) == [
        df.background_idf("火灾"),
        df.background_idf("地震"),
    ]
    plain = DocumentFrequency()
    plain.learn(["火灾", "地震"])
    assert list(plain.chinese_background_idfs(["火灾", "洪水"])) == [
        plain.idf("火灾"),
        plain.idf("洪水"),
    ]
