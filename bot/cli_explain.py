"""`chibo explain "<reply>"`: print how a reply to a meeting notice is read, and why."""

from __future__ import annotations

import sys

from bot.domain.explain import Translate, explain, render_explanation


def main_explain(text: str, t: Translate) -> int:
    """Print the explanation of one reply; 2 with a short hint when there is nothing to read."""
    if not text.strip():
        print(
            t._('Xin gõ một câu trả lời để giải thích, ví dụ: chibo explain "em xin vắng vì ốm"'),
            file=sys.stderr,
        )
        return 2
    print(render_explanation(explain(text), t))
    return 0
