#!/usr/bin/env bash
# `make init`: what the project needs besides its npm packages (test-only tools: install-test-tools.sh).
#   1. Node.js >= 20.19 (checked, not installed).
#   2. Ansible: ansible-core 2.14 to 2.18 (installed with apt on Debian/Ubuntu when missing; newer: a note).
#   3. boto3 and botocore in the Python interpreter Ansible itself runs its modules with on localhost,
#      asked from Ansible (the first python3 on the PATH is often another one: pyenv, conda, a virtualenv),
#      installed for that interpreter: Debian's Python -> apt python3-boto3; Ansible installed with pipx
#      -> pipx inject; a virtualenv -> its own pip; otherwise the exact command is named and init fails.
#   4. The amazon.aws and community.aws collections where that Ansible finds them, at least the floor of
#      ansible/requirements.yml (Debian's `ansible` package ships them); from Ansible Galaxy only when
#      missing or too old.
# Ansible is asked with the project's configuration: the challenge's ansible.cfg under make (ANSIBLE_CONFIG),
# the repository's otherwise. Exits non-zero, naming what to do, whenever something is still missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infrastructure/tools/apt-install.sh"
export ANSIBLE_CONFIG=${ANSIBLE_CONFIG:-$ROOT/ansible.cfg}

ANSIBLE_CORE_FLOOR=2.14
ANSIBLE_CORE_TESTED_BELOW=2.19 # newer ones get a note
# What amazon.aws/community.aws up to 7.x need (requirements.yml allows those).
BOTO3_FLOOR=1.26.0
BOTOCORE_FLOOR=1.29.0
COLLECTIONS_FLOOR=5.0.0
REQUIREMENTS=$ROOT/ansible/requirements.yml

fail() {
  echo "init: $*" >&2
  exit 1
}
# version_ge A B: A >= B, comparing dotted numbers.
version_ge() {
  node -e 'const p = (v) => v.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
    const [a, b] = [p(process.argv[1]), p(process.argv[2])];
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) process.exit((a[i] ?? 0) > (b[i] ?? 0) ? 0 : 1);' "$1" "$2"
}

# ---------------------------------------------------------------------------------------------- Node.js
have node || fail "Node.js is not installed: install Node.js 20.19 or later (for example with nvm), then make init"
version_ge "$(node -p process.versions.node)" 20.19 ||
  fail "Node.js $(node --version) is too old: install Node.js 20.19 or later (for example with nvm), then make init"

# ---------------------------------------------------------------------------------------------- Ansible
how_to_get_ansible="Debian 12 / Ubuntu 24.04: apt-get install ansible; Ubuntu 22.04, macOS: a virtualenv, python3 -m venv ~/.venvs/ansible && ~/.venvs/ansible/bin/pip install 'ansible-core>=2.14,<2.19' boto3, with ~/.venvs/ansible/bin first on the PATH (README, AWS runbook)"
if ! have ansible-playbook; then
  apt_install ansible || fail "Ansible is not installed: $how_to_get_ansible; then make init"
fi
# "ansible [core 2.14.18]" (2.11+), "ansible 2.10.8" / "ansible 2.9.6" before.
ansible_version=$(ansible --version 2>/dev/null | sed -n '1s/^ansible \[*\(core \)*\([0-9][0-9.]*\).*/\2/p')
[ -n "$ansible_version" ] || fail "ansible --version did not run: $(ansible --version 2>&1 | tail -n 3)"
version_ge "$ansible_version" "$ANSIBLE_CORE_FLOOR" ||
  fail "Ansible $ansible_version is too old: the project needs ansible-core $ANSIBLE_CORE_FLOOR or later ($how_to_get_ansible); then make init"
if version_ge "$ansible_version" "$ANSIBLE_CORE_TESTED_BELOW"; then
  echo "init: note: ansible-core $ansible_version is newer than the tested range (2.14 to 2.18): if a play fails, try ansible-core < $ANSIBLE_CORE_TESTED_BELOW"
fi

# -------------------------------------------------------------------------------- Ansible's interpreter
# The interpreter the modules really run in on localhost (the inventory's ansible_python_interpreter,
# interpreter discovery, ANSIBLE_PYTHON_INTERPRETER...): asked from a module run by Ansible itself.
ansible_python() {
  local out
  out=$(ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_NOCOLOR=1 \
    ansible localhost -m ansible.builtin.setup -a 'gather_subset=!all filter=ansible_python' 2>&1) || true
  node -e 'try {
      const host = JSON.parse(process.argv[1].slice(process.argv[1].indexOf("{"))).plays[0].tasks[0].hosts.localhost;
      const exe = host.ansible_facts?.ansible_python?.executable;
      if (exe) { console.log(exe); process.exit(0); }
      console.error(host.msg ?? JSON.stringify(host));
    } catch { console.error(process.argv[1]); }
    process.exit(1);' "$out"
}
python=$(ansible_python) ||
  fail "Ansible could not run a module on localhost (ansible localhost -m ansible.builtin.setup, with $ANSIBLE_CONFIG): see above"

# boto3 as the AWS modules use it: importable, and able to make an S3 client (which loads s3transfer: a
# mismatched s3transfer/botocore pair imports fine and fails there).
BOTO_PROBE='import boto3, botocore; boto3.session.Session().client("s3", region_name="us-east-1"); print(boto3.__version__, botocore.__version__)'
# "<boto3 version> <botocore version>" of Ansible's interpreter, or nothing when boto3 is not usable.
boto_versions() {
  "$python" -c "$BOTO_PROBE" 2>/dev/null || true
}
boto_ok() {
  local versions
  versions=$(boto_versions)
  [ -n "$versions" ] && version_ge "${versions% *}" "$BOTO3_FLOOR" && version_ge "${versions#* }" "$BOTOCORE_FLOOR"
}
boto_state() {
  local versions
  versions=$(boto_versions)
  if [ -n "$versions" ]; then
    echo "has boto3 ${versions% *} and botocore ${versions#* }"
  else
    echo "cannot use boto3 and botocore ($("$python" -c "$BOTO_PROBE" 2>&1 | tail -n 1))"
  fi
}

boto_specs=("boto3>=$BOTO3_FLOOR" "botocore>=$BOTOCORE_FLOOR")
# How boto3 gets into Ansible's interpreter: prints the command it ran, fails when none applies.
install_boto() {
  local real venv_name
  real=$(readlink -f "$python" 2>/dev/null || echo "$python")
  if [[ "$python" == */pipx/venvs/*/bin/* ]] && have pipx; then
    venv_name=${python#*/pipx/venvs/}
    venv_name=${venv_name%%/*}
    echo "init: pipx inject $venv_name ${boto_specs[*]} (Ansible was installed with pipx)"
    pipx inject "$venv_name" "${boto_specs[@]}"
  elif "$python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; then
    echo "init: $python -m pip install ${boto_specs[*]} (Ansible runs in that virtualenv)"
    "$python" -m pip install "${boto_specs[@]}"
  elif have dpkg && have apt-get && dpkg -S "$real" >/dev/null 2>&1; then
    apt_install python3-boto3 python3-botocore
  else
    return 1
  fi
}

if ! boto_ok; then
  echo "init: Ansible's Python $python $(boto_state) (needs boto3 >= $BOTO3_FLOOR, botocore >= $BOTOCORE_FLOOR)"
  install_boto || true
  boto_ok || fail "Ansible's Python $python $(boto_state). Ansible runs its AWS modules with that Python, whatever python3 is first on the PATH ($(command -v python3 || echo none)). Install them for it: $python -m pip install 'boto3>=$BOTO3_FLOOR' 'botocore>=$BOTOCORE_FLOOR' (or with the package manager that installed that Python), then make init"
fi

# ---------------------------------------------------------------------------------- AWS collections
# "name version" for each collection Ansible would load (the first found in its collection paths).
collection_versions() {
  local listing
  listing=$(ansible-galaxy collection list --format json 2>/dev/null) || listing='{}'
  node -e 'let paths = {};
    try { paths = JSON.parse(process.argv[1].slice(process.argv[1].indexOf("{"))); } catch {}
    for (const name of process.argv.slice(2)) {
      const found = Object.values(paths).find((p) => p[name]);
      console.log(`${name} ${found ? found[name].version : "missing"}`);
    }' "$listing" amazon.aws community.aws
}
# The listing is slow (seconds): read once, and again only after an install.
collections=$(collection_versions)
collections_ok() {
  local name version
  while read -r name version; do
    [ "$version" != missing ] && version_ge "$version" "$COLLECTIONS_FLOOR" || return 1
  done <<<"$collections"
}
collections_text() { paste -sd, - <<<"$collections" | sed 's/,/, /g'; }

if ! collections_ok; then
  echo "init: Ansible's collections: $(collections_text) (needs >= $COLLECTIONS_FLOOR): installing ansible/requirements.yml from Ansible Galaxy"
  ansible-galaxy collection install --upgrade -r "$REQUIREMENTS" || true
  collections=$(collection_versions)
  collections_ok || fail "amazon.aws and community.aws >= $COLLECTIONS_FLOOR are needed where Ansible looks for them ($(collections_text)): run ansible-galaxy collection install --upgrade -r $REQUIREMENTS (Debian/Ubuntu: apt-get install ansible ships them), then make init"
fi

echo "init: Node.js $(node --version), ansible-core $ansible_version, Ansible's Python $python (boto3 $(boto_versions | sed 's/ /, botocore /')), $(collections_text)"
