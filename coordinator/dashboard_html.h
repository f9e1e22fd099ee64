#pragma once
// The dashboard page served at "/": plain HTML and a little JavaScript that
// polls /api/jobs once a second. No external assets.

namespace sluice {

inline constexpr const char* kDashboardHtml = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice</title>
<style>
 body{font:14px system-ui,sans-serif;margin:24px;color:#1d2733;background:#f6f8fa}
 h1{font-size:20px;margin:0 0 4px} .sub{color:#5b6b7b;margin-bottom:16px}
 table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:20px}
 th,td{padding:6px 10px;border-bottom:1px solid #e3e8ee;text-align:left}
 th{background:#eef2f6;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
 .bar{background:#e3e8ee;height:10px;width:160px;border-radius:5px;overflow:hidden}
 .bar>div{background:#2f81f7;height:10px}
 .succeeded{color:#1a7f37}.failed{color:#cf222e}.running{color:#9a6700}.cancelled{color:#6e7781}
</style></head><body>
<h1>sluice coordinator</h1><div class="sub" id="summary">loading…</div>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th>name</th><th>state</th><th>progress</th>
<th>partitions</th><th>stages</th><th>rows in</th><th>rows out</th><th>rejected</th><th>MB/s</th></tr></thead><tbody></tbody></table>
<h2>Workers</h2>
<table id="workers"><thead><tr><th>worker</th><th>slots</th><th>active</th><th>last heartbeat</th></tr></thead><tbody></tbody></table>
<script>
function cell(text, cls){const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;return td;}
async function refresh(){
  try{
    const r=await fetch('/api/jobs');const data=await r.json();
    const jobs=document.querySelector('#jobs tbody');jobs.innerHTML='';
    for(const j of data.jobs){
      const tr=document.createElement('tr');
      tr.appendChild(cell(j.id));tr.appendChild(cell(j.name));tr.appendChild(cell(j.state,j.state));
      const p=j.partitions_total?j.partitions_done/j.partitions_total:1;
      const td=document.createElement('td');td.innerHTML='<div class="bar"><div style="width:'+(p*100).toFixed(1)+'%"></div></div>';
      tr.appendChild(td);
      tr.appendChild(cell(j.partitions_done+'/'+j.partitions_total,'num'));
      tr.appendChild(cell((j.stages||[]).map(s=>s.name+' '+s.done+'/'+s.total).join(', ')));
      tr.appendChild(cell(j.rows_in,'num'));tr.appendChild(cell(j.rows_out,'num'));
      tr.appendChild(cell(j.rows_rejected,'num'));tr.appendChild(cell(j.mb_per_s.toFixed(1),'num'));
      jobs.appendChild(tr);
    }
    const workers=document.querySelector('#workers tbody');workers.innerHTML='';
    for(const w of data.workers){
      const tr=document.createElement('tr');
      tr.appendChild(cell(w.id));tr.appendChild(cell(w.slots,'num'));tr.appendChild(cell(w.active,'num'));
      tr.appendChild(cell(w.heartbeat_age_ms+' ms ago','num'));workers.appendChild(tr);
    }
    document.getElementById('summary').textContent=data.jobs.length+' jobs, '+data.workers.length+' workers connected';
  }catch(e){document.getElementById('summary').textContent='coordinator unreachable: '+e;}
}
refresh();setInterval(refresh,1000);
</script></body></html>
)HTML";

}  // namespace sluice
