# table.jq - the human table of a bench/run.sh JSON result; ratios are rbox's figure / the other's
def pad(n): tostring | if length < n then . + (" " * (n - length)) else . end;
def lpad(n): tostring | if length < n then (" " * (n - length)) + . else . end;
def r2: . * 100 | round / 100;
def value: .median_ms // .peak_rss_kb // .rss_kb;
def unit: if .median_ms then " ms median" elif .peak_rss_kb then " KB peak RSS" else " KB RSS" end;
.machine as $m |
"rbox benchmarks, \($m.date): \($m.cpu), \($m.cores) cores, kernel \($m.kernel), cgroups \($m.cgroups)",
"\($m.versions.rbox) | \($m.versions.runc) | \($m.versions.crun) | \($m.versions.podman)",
"\($m.method); \(.rounds) rounds x \(.runs_per_round) runs; load at start \($m.loadavg_at_start)",
"",
(.scenarios[] |
  .contenders as $c |
  ([$c[] | select(.name | startswith("rbox"))][0]) as $r |
  "== \(.scenario)",
  ($c[] |
    "  " + (.name | pad(26)) + (value | r2 | lpad(10)) + unit +
    (if $r != null and .name != $r.name and value > 0 then
       "   " + ($r.name | split(" ")[0]) + "/this = " + (($r | value) / value | r2 | tostring)
     else "" end)),
  "")
