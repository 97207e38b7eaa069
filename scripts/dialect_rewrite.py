"""Rewrite a scenario set's dialect function words as Mandarin, to measure what reading them would gain.

An experiment, not a product path: it copies every scenario of a folder with each turn's text rewritten
through a fixed table (Wu and Cantonese function words; ``--northern`` adds the northern and south-western
ones), so ``vigil eval`` on the copy shows what the rules and heads would find if they read dialect as
Mandarin, before any reader is built for it. Stop 24's figures in the README come from::

    .venv/bin/python scripts/dialect_rewrite.py /tmp/bl6 /tmp/y_bl6
    .venv/bin/vigil eval /tmp/y_bl6
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path

logger = logging.getLogger("vigil.scripts.dialect_rewrite")

# Longest first within each group, so 佢哋 is read before 佢.
WU_CANTONESE: tuple[tuple[str, str], ...] = (
    ("佢哋", "他们"), ("我哋", "我们"), ("你哋", "你们"), ("乜嘢", "什么"), ("边度", "哪里"),
    ("点解", "为什么"), ("而家", "现在"), ("呢度", "这里"), ("唔该", "谢谢"),
    ("阿拉", "我们"), ("伊拉", "他们"), ("哪能", "怎么"), ("事体", "事情"), ("辰光", "时候"),
    ("屋里厢", "家里"), ("物事", "东西"), ("晓得", "知道"), ("阿是", "是不是"),
    ("侬", "你"), ("覅", "不要"), ("勿", "不"), ("搿", "这"), ("佢", "他"), ("嘅", "的"),
    ("咗", "了"), ("唔", "不"), ("冇", "没有"), ("喺", "在"), ("咁", "这样"), ("噉", "这样"),
    ("咩", "什么"), ("嘢", "东西"), ("睇", "看"), ("畀", "给"), ("俾", "给"), ("啲", "些"),
    ("嗰", "那"), ("嚟", "来"), ("揾", "找"), ("攞", "拿"), ("啱", "对"),
)  # fmt: skip
NORTHERN: tuple[tuple[str, str], ...] = (
    ("啥子", "什么"), ("咋个", "怎么"), ("啷个", "怎么"), ("干哈", "干什么"), ("嘎哈", "干什么"),
    ("做啥", "干什么"), ("甭", "不用"), ("啥", "什么"), ("咋", "怎么"), ("俺", "我"),
)  # fmt: skip
# Wu's sentence-final question particle 伐 (侬晓得伐？) is 吗 only where a clause ends.
_FINAL_FA = re.compile(r"伐(?=[？?！!。，,]|$)")


def rewrite(text: str, *, northern: bool = False) -> str:
    """``text`` with the table's dialect words replaced by their Mandarin equivalents."""
    for table in (WU_CANTONESE, NORTHERN) if northern else (WU_CANTONESE,):
        for dialect, mandarin in table:
            text = text.replace(dialect, mandarin)
    return _FINAL_FA.sub("吗", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="folder of scenario JSON files")
    ap.add_argument("target", type=Path, help="folder to write the rewritten copies to")
    ap.add_argument("--northern", action="store_true", help="also rewrite 啥, 咋, 俺, 啥子...")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.target.mkdir(parents=True, exist_ok=True)
    changed = 0
    files = sorted(args.source.glob("*.json"))
    for path in files:
        scenario = json.loads(path.read_text(encoding="utf-8"))
        for turn in scenario["turns"]:
            new = rewrite(turn["text"], northern=args.northern)
            changed += new != turn["text"]
            turn["text"] = new
        (args.target / path.name).write_text(
            json.dumps(scenario, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    logger.info("%d scenarios written to %s, %d turns rewritten", len(files), args.target, changed)


if __name__ == "__main__":
    main()
