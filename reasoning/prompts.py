"""How a problem becomes a prompt: chat messages rendered by the model's own chat template.

The built-in model is trained on exactly these messages, so it and a real instruct model are driven the same way.
"""

from __future__ import annotations

from typing import Any

# The instruction Qwen2.5-Math and DeepSeek-R1 evaluations use; it asks for a \boxed{} final answer.
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


def build_messages(question: str, *, system_prompt: str | None = None) -> list[dict[str, str]]:
    """Chat messages for one question.

    >>> build_messages("What is 2 + 2?")[-1]["content"].splitlines()[0]
    'What is 2 + 2?'
    """
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": f"{question}\n{BOXED_INSTRUCTION}"})
    return messages


def render_prompt(tokenizer: Any, question: str, *, system_prompt: str | None = None, think_prefix: bool = False) -> str:
    """The prompt text for `question` using the tokenizer's chat template (plain text when it has none).

    `think_prefix` opens an R1-style `<think>` block so reasoning models start thinking right away.
    """
    messages = build_messages(question, system_prompt=system_prompt)
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:
        text = "\n\n".join(m["content"] for m in messages) + "\n\n"
    return text + ("<think>\n" if think_prefix else "")
