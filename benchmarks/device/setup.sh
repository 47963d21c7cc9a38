# Sourced by the run_*.sh scripts on the device machine, from the repo root: unpacks .gpu/site312.tar.xz (the
# pipeline's packages the image lacks), adds a `dbt` command for them and exports the environment.
tar -C /tmp -xJf .gpu/site312.tar.xz || exit 3
mkdir -p /tmp/site312/bin
printf '#!/usr/bin/env python3\nimport sys\nfrom dbt.cli.main import cli\nsys.exit(cli())\n' > /tmp/site312/bin/dbt
chmod +x /tmp/site312/bin/dbt
export PYTHONPATH=/tmp/site312:$PWD PATH=/tmp/site312/bin:$PATH DBT_SEND_ANONYMOUS_USAGE_STATS=false \
  WANDB_MODE=disabled PYTHONUNBUFFERED=1
