"""Benchmark: WatchMatcher, 2,000 watches over 200,000 synthetic Chinese posts.

    .venv/bin/python bench/match.py [--watches 2000] [--posts 200000] [--seed 7]

Everything is generated here from a fixed seed (no network, no data files). Posts are
folded before timing, as the pipeline hands `Post.folded` to the matcher. Reported:

- matching time and posts/s for `WatchMatcher.match` (the target: under 2 s);
- baseline A, the floor: plain iteration of one automaton over the same terms;
- baseline B, the naive way: every watch's terms checked with `in`, every watch's rule
  evaluated on its own (`Rule.matches`), measured on a sample and scaled;
- checks that the matcher agrees with per-rule evaluation: `Rule.matches` on the naive
  sample, and on `--check` posts every rule's compiled test over one full scan of all
  terms (the matcher scans only for triggers and tests woken rules on the text).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from time import perf_counter, process_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ahocorasick_rs import AhoCorasick

from yuqing.core.textfold import fold
from yuqing.monitor.rules import compile_rule, group_rule
from yuqing.monitor.rules.evaluate import TermTable, compile_node
from yuqing.monitor.rules.nodes import terms_of
from yuqing.monitor.rules.scan import Scanner
from yuqing.monitor.watches import Watch, WatchMatcher

CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
    "想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北"
    "造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打"
    "白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今"
    "集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近"
    "矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写"
)
LATIN = ["COVID-19", "5G", "iPhone", "APP", "WiFi", "GDP", "12345", "AI", "B站", "iOS"]
PUNCT = "，。！？、：；"
SOURCES = ["weibo", "wechat", "news", "forum", "douyin"]


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    """Distinct 2-4 character words; rank order is frequency order."""
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(CHARS, k=rng.choice((2, 2, 2, 3, 3, 4))))] = None
    return list(words)


Post = tuple[str, str]  # folded title + text, source


def make_posts(rng: random.Random, vocab: list[str], count: int) -> list[Post]:
    """(folded title + text, source) pairs; word frequency is Zipf-like."""
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]
    cum = list(__import__("itertools").accumulate(weights))
    posts = []
    for _ in range(count):
        n = rng.randint(15, 90)
        words = rng.choices(vocab, cum_weights=cum, k=n)
        if rng.random() < 0.1:
            words.insert(rng.randrange(n), rng.choice(LATIN))
        for k in range(rng.randint(1, 6)):
            words.insert(rng.randrange(len(words)), PUNCT[k % len(PUNCT)])
        title = "".join(words[:5])
        text = "".join(words[5:])
        posts.append((fold(title + "\n" + text), rng.choice(SOURCES)))
    return posts


def make_watches(rng: random.Random, vocab: list[str], count: int, *, hard: bool) -> list[Watch]:
    """A mix of group watches, free rules, NEAR, Latin terms, source limits and pure NOT.

    Event words ("common") come from the mid-frequency band and names ("rare") from the
    tail, as in real watches; the top 200 words play the function words (的, 了, 我们)
    no watch uses. `hard` takes event words from the very top instead, so nearly half of
    every post's words are watch terms: a worst case.
    """
    common = vocab[:300] if hard else vocab[200:3000]
    rare = vocab[3000:]
    watches = []
    for i in range(count):
        kind = i % 10
        if kind < 4:
            groups = {
                "subject": rng.sample(rare, rng.randint(1, 3)),
                "region": rng.sample(rare, rng.randint(0, 2)),
                "event": rng.sample(common, rng.randint(1, 4)),
                "exclude": rng.sample(common, rng.randint(0, 2)),
            }
            rule = group_rule(**groups)
        elif kind < 8:
            a, b, c = rng.sample(rare, 3)
            d, e = rng.sample(common, 2)
            form = rng.choice(
                [f"{a} ({d} | {e})", f"({a} | {b}) {d} -{e}", f'"{a}{b}" | {c}', f"{a} {d} {e}"]
            )
            rule = compile_rule(form)
        elif kind == 8:
            a, d = rng.choice(rare), rng.choice(common)
            rule = compile_rule(f"NEAR/{rng.randint(2, 20)}({a}, {d}) -{rng.choice(common)}")
        else:
            rule = compile_rule(f"{rng.choice(LATIN)} {rng.choice(common)}")
        sources = frozenset(rng.sample(SOURCES, 2)) if rng.random() < 0.2 else None
        watches.append(Watch(f"w{i}", rule, sources, expr=rule.source))
    for j in range(min(5, count // 400)):  # a few pure-NOT watches: always evaluated
        rule = compile_rule(f"-{rng.choice(common)} -{rng.choice(common)}")
        watches[j * 97] = Watch(f"not{j}", rule, frozenset({"forum"}), expr=rule.source)
    return watches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=1000, help="posts for the naive baseline")
    parser.add_argument("--check", type=int, default=5000, help="posts for the full check")
    parser.add_argument("--hard", action="store_true", help="event words from the top 300")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = make_vocabulary(rng, 20_000)
    watches = make_watches(rng, vocab, args.watches, hard=args.hard)
    posts = make_posts(rng, vocab, args.posts)
    chars = sum(len(text) for text, _ in posts)
    print(
        f"{len(watches)} watches, {len(posts)} posts, {chars / len(posts):.0f} chars a post"
        f"{' (hard: event words from the top 300)' if args.hard else ''}"
    )

    t0 = perf_counter()
    matcher = WatchMatcher(watches)
    print(f"build: {perf_counter() - t0:.3f} s")

    t0, c0 = perf_counter(), process_time()
    matched = 0
    for text, source in posts:
        matched += len(matcher.match(text, source=source))
    elapsed, cpu = perf_counter() - t0, process_time() - c0
    rate = len(posts) / elapsed
    share = sum(1 for text, source in posts[:10_000] if matcher.match(text, source=source))
    # CPU time beside wall time: on a shared machine the wall clock also counts others' work.
    print(f"WatchMatcher: {elapsed:.3f} s wall ({cpu:.3f} s CPU), {rate:,.0f} posts/s")
    print(f"  {matched / len(posts):.2f} matches a post, {share / 100:.1f}% of posts match any")

    terms = {t.text for w in watches for t in terms_of(w.rule.node)}
    automaton = AhoCorasick(list(terms))
    t0, c0 = perf_counter(), process_time()
    for text, _ in posts:
        automaton.find_matches_as_indexes(text, overlapping=True)
    floor, floor_cpu = perf_counter() - t0, process_time() - c0
    print(
        f"baseline A, automaton iteration only: {floor:.3f} s wall ({floor_cpu:.3f} s CPU), "
        f"{len(posts) / floor:,.0f} posts/s"
    )

    sample = posts[: args.sample]
    term_lists = [[t.text for t in terms_of(w.rule.node)] for w in watches]
    t0 = perf_counter()
    for text, _ in sample:
        for term_list in term_lists:
            any(term in text for term in term_list)
    naive_in = len(sample) / (perf_counter() - t0)
    for w in watches:  # build each rule's own automaton before timing
        w.rule.matches("")
    t0 = perf_counter()
    expected = [
        [w.name for w in watches if (w.sources is None or s in w.sources) and w.rule.matches(t)]
        for t, s in sample
    ]
    naive_rules = len(sample) / (perf_counter() - t0)
    print(f"baseline B1, any(term in text) per watch: {naive_in:,.0f} posts/s")
    print(f"baseline B2, Rule.matches per watch: {naive_rules:,.0f} posts/s")
    print(
        f"speed-up: {rate / naive_in:.0f}x over B1, {rate / naive_rules:.0f}x over B2; "
        f"matching costs {elapsed / floor:.2f}x the bare automaton iteration"
    )
    got = [matcher.match(t, source=s) for t, s in sample]
    woken = sum(matcher.candidates(t) for t, _ in sample) / len(sample)
    print(f"watches evaluated a post: {woken:.1f} of {len(watches)}")
    if got != expected:
        raise SystemExit("MISMATCH between WatchMatcher and per-rule evaluation")
    print(f"agrees with per-rule evaluation (Rule.matches) on {len(sample)} posts")
    check_all_rules(matcher, watches, posts[-args.check :])


def check_all_rules(matcher: WatchMatcher, watches: list[Watch], posts: list[Post]) -> None:
    """Every rule evaluated on every post, through one scan for all terms (no triggers)."""
    table = TermTable()
    tests = [compile_node(w.rule.node, table).test for w in watches]
    scanner = Scanner(table)
    for text, source in posts:
        found, positions = scanner.scan(text)
        expected = [
            w.name
            for w, test in zip(watches, tests, strict=True)
            if (w.sources is None or source in w.sources) and test(found, positions)
        ]
        if matcher.match(text, source=source) != expected:
            raise SystemExit(f"MISMATCH on {text!r} ({source}): expected {expected}")
    print(f"agrees with every rule's own test on {len(posts)} more posts")


if __name__ == "__main__":
    main()
