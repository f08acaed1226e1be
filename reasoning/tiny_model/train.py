"""Train the built-in tiny model on the synthetic train split and save it in Hugging Face format.

The model is a small Llama from `transformers`, trained with plain next-token loss on the assistant turn of
chat-formatted (question, worked solution) pairs, mixed with rows of arithmetic-fact drills (the one-step facts
the solutions use): in the minutes it has, a tiny model learns the procedures from solutions alone but the fact
tables too slowly, and the drills supply them at a fraction of the tokens. Saved with `save_pretrained` (safetensors, tokenizer, chat template),
so every backend loads it exactly as it would load a real model directory.

Deterministic for a given config: data order, initialisation and dropout-free training all come from `seed`, and
CPU kernels run with a fixed thread count.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from reasoning.prompts import BOXED_INSTRUCTION, render_prompt
from reasoning.tiny_model.tokenizer import EOS, train_tokenizer


@dataclass(frozen=True)
class BootstrapConfig:
    """How the built-in model is built. Changing any field changes the cache key, so a new model is trained."""

    train_set: str = "arith-train"  # problem set (bundled name or path) with worked solutions
    seed: int = 0  # initialisation and data order
    vocab_size: int = 384  # BPE vocabulary, special tokens included
    hidden_size: int = 128
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 384
    max_length: int = 256  # longest training sequence in tokens; longer examples are dropped
    batch_size: int = 32
    steps: int = 2000  # ~8.5 min on 2 idle cores; 1700 steps gave 75% greedy on the easy level, 2000 give 90%
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    drill_sequences: int = 6000  # packed arithmetic-fact drill rows mixed into training (see synthetic.arithmetic_facts)
    facts_per_drill: int = 12
    threads: int = 2  # CPU threads; fixed so results do not depend on the machine's core count

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} must be a multiple of num_heads {self.num_heads}")
        if self.warmup_steps >= self.steps:
            raise ValueError(f"warmup_steps {self.warmup_steps} must be below steps {self.steps}")

    def key(self) -> str:
        """A short stable hash naming the cached model directory."""
        import hashlib

        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def _examples(tokenizer: Any, problems: list, max_length: int) -> list[tuple[list[int], int]]:
    """(token ids, prompt length) per problem; loss is taken only after the prompt."""
    out = []
    for problem in problems:
        prompt = render_prompt(tokenizer, problem.question)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(problem.solution + EOS, add_special_tokens=False)["input_ids"]
        ids = prompt_ids + answer_ids
        if len(ids) <= max_length:
            out.append((ids, len(prompt_ids)))
    return out


def _drills(tokenizer: Any, count: int, per_row: int, rng: random.Random) -> list[tuple[list[int], int]]:
    """Rows of random one-step facts ("7+8=15\n3*4=12\n..."), with loss on every token (prompt length 0)."""
    from problems.synthetic import arithmetic_facts

    facts = arithmetic_facts()
    rows = []
    for _ in range(count):
        text = "\n".join(rng.choice(facts) for _ in range(per_row))
        rows.append((tokenizer(text, add_special_tokens=False)["input_ids"], 0))
    return rows


def _batches(examples: list, batch_size: int, rng: random.Random, pad_id: int):
    """Endless length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    while True:
        order = examples[:]
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), batch_size * 50):
            chunk = sorted(order[start : start + batch_size * 50], key=lambda e: len(e[0]))
            batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        for batch in batches:
            width = max(len(ids) for ids, _ in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)  # (B, T)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)  # (B, T), -100 = no loss
            attention = torch.zeros((len(batch), width), dtype=torch.long)
            for row, (ids, prompt_len) in enumerate(batch):
                input_ids[row, : len(ids)] = torch.tensor(ids)
                labels[row, prompt_len : len(ids)] = torch.tensor(ids[prompt_len:])
                attention[row, : len(ids)] = 1
            yield input_ids, labels, attention


def train_builtin_model(config: BootstrapConfig, out_dir: Path, *, progress: bool = True) -> dict[str, Any]:
    """Train and save the model to `out_dir`; returns a small training report (also saved as bootstrap.json)."""
    import problems
    from transformers import LlamaConfig, LlamaForCausalLM

    started = time.time()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    train = problems.load(config.train_set)
    tokenizer = train_tokenizer(
        [BOXED_INSTRUCTION] + [f"{p.question}\n{p.solution}" for p in train], vocab_size=config.vocab_size
    )
    examples = _examples(tokenizer, train, config.max_length)
    examples += _drills(tokenizer, config.drill_sequences, config.facts_per_drill, rng)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        max_position_embeddings=4 * config.max_length,  # room for generation budgets past the training length
        rope_theta=10000.0,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(model_config)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay, betas=(0.9, 0.98)
    )

    def lr_at(step: int) -> float:  # linear warm-up, cosine decay to 5%
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        done = (step - config.warmup_steps) / (config.steps - config.warmup_steps)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * done))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    batches = _batches(examples, config.batch_size, rng, tokenizer.pad_token_id)
    model.train()
    bar = tqdm(range(config.steps), desc="bootstrap", unit="step", disable=not progress)
    loss_value = float("nan")
    for _ in bar:
        input_ids, labels, attention = next(batches)
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        loss_value = 0.9 * loss_value + 0.1 * loss.item() if loss_value == loss_value else loss.item()
        bar.set_postfix(loss=f"{loss_value:.3f}")
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    report = {
        "config": asdict(config),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_examples": len(examples),
        "final_loss": round(loss_value, 4),
        "seconds": round(time.time() - started, 1),
    }
    (out_dir / "bootstrap.json").write_text(json.dumps(report, indent=2) + "\n")
    return report
