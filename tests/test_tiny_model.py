"""The built-in model's recipe: deterministic training, Hugging Face format, chat template, tokenizer round trip."""

from __future__ import annotations

import json
from dataclasses import replace

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

from reasoning.prompts import render_prompt
from reasoning.tiny_model import builtin_model_path, ensure_builtin_model
from reasoning.tiny_model.train import BootstrapConfig
from conftest import TEST_MODEL_CONFIG


def test_training_is_deterministic_for_a_seed(tiny_model_dir, tmp_path):
    again = ensure_builtin_model(TEST_MODEL_CONFIG, tmp_path / "again", progress=False)
    first, second = load_file(tiny_model_dir / "model.safetensors"), load_file(again / "model.safetensors")
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
    other = ensure_builtin_model(replace(TEST_MODEL_CONFIG, seed=1), tmp_path / "other", progress=False)
    third = load_file(other / "model.safetensors")
    assert not all(torch.equal(first[k], third[k]) for k in first)


def test_saved_in_hugging_face_format_with_a_chat_template(tiny_model_dir):
    assert (tiny_model_dir / "model.safetensors").exists() and (tiny_model_dir / "tokenizer.json").exists()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert model.config.model_type == "llama"
    prompt = render_prompt(tokenizer, "What is 2 + 3?")
    assert prompt.startswith("<|bos|><|user|>\nWhat is 2 + 3?") and prompt.endswith("<|assistant|>\n")
    report = json.loads((tiny_model_dir / "bootstrap.json").read_text())
    assert report["config"]["steps"] == TEST_MODEL_CONFIG.steps and report["parameters"] > 0


def test_tokenizer_round_trips_solutions_and_splits_digits(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    text = "What is 4728 + 365?\n8+5=13, write 3, carry 1: 3\n\\boxed{5093}"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
    digit_tokens = [t for t in tokenizer.convert_ids_to_tokens(ids) if any(c.isdigit() for c in t)]
    assert digit_tokens == [c for c in text if c.isdigit()]  # every digit is its own token


def test_cache_key_follows_the_recipe(tmp_path):
    assert builtin_model_path(BootstrapConfig(), tmp_path) == builtin_model_path(BootstrapConfig(), tmp_path)
    assert builtin_model_path(BootstrapConfig(), tmp_path) != builtin_model_path(BootstrapConfig(steps=200), tmp_path)
