# table.jq - the human table of a bench/run.sh JSON result
def pad(n): tostring | if length < n then . + (" " * (n - length)) else . end;
def lpad(n): tostring | if length < n then (" " * (n - length)) + . else . end;
def r2: . * 100 | round / 100;
.machine as $m |
"rbox benchmarks, \($m.date): \($m.cpu), \($m.cores) cores, kernel \($m.kernel), cgroups \($m.cgroups)",
"\($m.versions.rbox) | \($m.versions.runc) | \($m.versions.crun) | \($m.versions.podman)",
"\($m.method); \(.rounds) rounds x \(.runs_per_round) runs; load at start \($m.loadavg_at_start)",
"",
(.scenarios[] |
  .scenario as $name | .contenders as $c |
  ($c[0]) as $first |
  "== \($name)",
  ($c[] |
    if .median_ms then
      "  " + (.name | pad(28)) + (.median_ms | r2 | lpad(10)) + " ms median" +
      (if .name != $first.name then "   rbox/this = " + (($first.median_ms / .median_ms) | r2 | tostring) else "" end)
    elif .peak_rss_kb then
      "  " + (.name | pad(28)) + (.peak_rss_kb | lpad(10)) + " KB peak RSS" +
      (if .name != $first.name then "   rbox/this = " + (($first.peak_rss_kb / .peak_rss_kb) | r2 | tostring) else "" end)
    elif .rss_kb then
      "  " + (.name | pad(28)) + (.rss_kb | lpad(10)) + " KB RSS (" + (.hwm_kb | tostring) + " KB peak)" +
      (if .name != $first.name then "   rbox/this = " + (($first.rss_kb / .rss_kb) | r2 | tostring) else "" end)
    else "  " + .name end),
  "")
