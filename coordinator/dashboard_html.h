#pragma once
// The dashboard page served at "/": plain HTML, CSS and inline SVG drawn by a
// little JavaScript (dashboard_script.h) that polls the JSON API once a
// second. No external assets: the page works offline.

#include <string>

#include "coordinator/dashboard_script.h"

namespace sluice {

inline constexpr const char* kDashboardHead = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice</title>
<style>
 body{font:14px system-ui,sans-serif;margin:24px;color:#1d2733;background:#f6f8fa}
 h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 8px}
 .sub{color:#5b6b7b;margin-bottom:16px}
 table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:12px}
 th,td{padding:5px 10px;border-bottom:1px solid #e3e8ee;text-align:left}
 th{background:#eef2f6;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
 #jobs tbody tr{cursor:pointer} #jobs tbody tr.selected{background:#ddf4ff}
 .bar{background:#e3e8ee;height:10px;width:140px;border-radius:5px;overflow:hidden}
 .bar>div{background:#2f81f7;height:10px}
 .succeeded{color:#1a7f37}.failed{color:#cf222e}.running{color:#9a6700}.cancelled{color:#6e7781}
 .panels{display:flex;flex-wrap:wrap;gap:16px} .panel{background:#fff;border:1px solid #e3e8ee;
  border-radius:6px;padding:10px 12px;flex:1 1 420px;min-width:360px}
 .panel h3{font-size:13px;margin:0 0 8px;color:#3b4a5a}
 #grid{display:flex;flex-wrap:wrap;gap:2px;max-height:180px;overflow:auto}
 #grid .cell{width:var(--cell,10px);height:var(--cell,10px);border-radius:2px}
 #grid .g-b{border-radius:50%} #grid .g-f{transform:rotate(45deg) scale(.75)}
 .s0{background:#d0d7de}.s1{background:#f2cc60}.s2{background:#fb8f44}.s3{background:#54aeff}
 .s4{background:#2da44e}
 .legend span{display:inline-flex;align-items:center;margin-right:12px;font-size:12px;color:#5b6b7b}
 .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
 svg.chart{width:100%;height:150px;background:#fbfcfd;border:1px solid #eef2f6}
 svg.chart text{font-size:10px;fill:#5b6b7b} svg.chart path{fill:none;stroke-width:1.6}
 .muted{color:#8c959f;font-size:12px}
 .scroll{max-height:260px;overflow:auto;margin-bottom:12px} .scroll table{margin:0}
 #rejects{table-layout:fixed} #rejects td{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
 #rejects td.record{font-family:monospace;font-size:12px}
</style></head><body>
<h1>sluice coordinator</h1><div class="sub" id="summary">loading…</div>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th>name</th><th>state</th><th>progress</th>
<th>partitions</th><th>stages</th><th>rows in</th><th>rows out</th><th>rejected</th><th>MB/s</th></tr></thead><tbody></tbody></table>
<h2 id="job-title">Job</h2>
<div class="panels">
 <div class="panel"><h3>Partitions <span class="muted" id="grid-note"></span></h3>
  <div class="legend" id="legend"></div><div id="grid"></div></div>
 <div class="panel"><h3>Throughput <span class="muted" id="rate-note"></span></h3>
  <svg class="chart" id="rate-chart" viewBox="0 0 480 150" preserveAspectRatio="none"></svg></div>
</div>
<h2>Rejects <span class="muted" id="rejects-note"></span></h2>
<table id="reasons"><thead><tr><th>reason</th><th>count (among those read)</th></tr></thead><tbody></tbody></table>
<div class="scroll"><table id="rejects"><colgroup><col style="width:150px"><col style="width:180px">
<col style="width:80px"><col style="width:34%"><col></colgroup>
<thead><tr><th>file</th><th>source</th><th>offset</th><th>reason</th><th>record</th></tr></thead><tbody></tbody></table></div>
<h2>Workers</h2>
<div class="panels"><div class="panel" style="flex:2 1 520px">
<table id="workers"><thead><tr><th>worker</th><th>slots</th><th>active</th><th>last heartbeat</th><th>memory</th></tr></thead><tbody></tbody></table></div>
<div class="panel"><h3>Memory per worker (RssAnon)</h3>
 <svg class="chart" id="memory-chart" viewBox="0 0 480 150" preserveAspectRatio="none"></svg></div></div>
)HTML";

// The whole page: the head above, then the script.
inline std::string dashboard_html() {
  return std::string(kDashboardHead) + "<script>\n" + kDashboardScript +
         "</script></body></html>\n";
}

}  // namespace sluice
