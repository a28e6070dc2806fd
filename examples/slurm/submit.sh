#!/bin/sh
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Submit the array over LIST (one day file a line) and the merge that waits for it.
#   examples/slurm/submit.sh days.txt out [sbatch options for the array...]
set -eu
list=$1 out=$2
shift 2
here=$(dirname "$0")
n=$(grep -c . "$list")
job=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$here/replay-days.sbatch" "$list" "$out")
merge=$(sbatch --parsable --dependency=afterok:"$job" "$here/merge.sbatch" "$list" "$out")
echo "array $job ($n days), merge $merge: $out/manifest.jsonl"
