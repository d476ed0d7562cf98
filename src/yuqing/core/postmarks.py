"""What posts wrap around their words: links, @mentions, emoticon tags (folded text).

The clustering words (`analysis/events/tokenize.py`) and the dedup core
(`monitor/dedup/textcore.py`) both strip these; each rule is written once, here.
"""

from __future__ import annotations

import re

# A link with a scheme or starting with www. Each reader adds its own bare-domain links:
# the clustering words any `name.com/…`, the dedup core only t.cn short links.
LINK = r"https?://\S+|www\.\S+"

# Weibo emoticon tags such as [哈哈] or [允悲].
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")

# @mentions, two rules on purpose (either one in the other's place changes results on
# the dev streams and test fixtures: 2 of 11,120 texts' words, 15 dedup cores).
# A whole nickname up to white space or punctuation, at most 30 characters: any of it
# left behind would make a repost differ from its original.
MENTION_NAME = re.compile(r"@[^\s@:,，。!?！？、;；()（）\[\]【】]{1,30}")
# A handle of word characters, '-' and '·' (Latin handles and Weibo nick names): what
# follows it may be words of the story.
MENTION_WORD = re.compile(r"@[\w\-·]+")
