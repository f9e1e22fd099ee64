#pragma once
// The dashboard's JavaScript (dashboard_html.h is the page around it). Each
// second: /api/jobs (jobs and workers tables), /api/jobs/ID of the selected
// job (partition grid, throughput chart), /api/workers (memory chart); the
// rejects (/api/jobs/ID/rejects) when the selection or its reject count
// changes. Charts are inline SVG paths; nothing is loaded from elsewhere.

namespace sluice {

inline constexpr const char* kDashboardScript = R"JS(
const STATES=['planned','leased','written','committed','published'];
const STAGES={r:'read',m:'map',b:'buckets',f:'merge'};
const COLOURS=['#2f81f7','#cf222e','#8250df','#1a7f37','#bf8700','#0598bc'];
let chosen=null, shown=null, rejectsKey='';
function el(tag,attrs,text){const e=document.createElement(tag);for(const k in attrs||{})e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function svgEl(tag,attrs){const e=document.createElementNS('http://www.w3.org/2000/svg',tag);for(const k in attrs)e.setAttribute(k,attrs[k]);return e;}
function cell(text,cls){return el('td',cls?{class:cls}:{},text);}
function bytes(n){const u=['B','KiB','MiB','GiB','TiB'];let i=0;while(n>=1024&&i<u.length-1){n/=1024;i++;}return (i?n.toFixed(1):n)+' '+u[i];}
function num(n){return Number(n).toLocaleString('en-US',{maximumFractionDigits:1});}
function pickJob(jobs){
  if(chosen&&jobs.some(j=>j.id===chosen))return chosen;
  const byNew=[...jobs].sort((a,b)=>(b.created_unix||0)-(a.created_unix||0));
  const running=byNew.find(j=>j.state==='running');
  return running?running.id:(byNew.length?byNew[0].id:null);
}
function renderJobs(jobs,selected){
  const body=document.querySelector('#jobs tbody');body.innerHTML='';
  for(const j of jobs){
    const tr=el('tr',{'data-job':j.id});if(j.id===selected)tr.className='selected';
    tr.onclick=()=>{chosen=j.id;refresh();};
    tr.append(cell(j.id),cell(j.name),cell(j.state,j.state));
    const p=j.partitions_total?j.partitions_done/j.partitions_total:1;
    const td=el('td');td.innerHTML='<div class="bar"><div style="width:'+(p*100).toFixed(1)+'%"></div></div>';
    tr.append(td,cell(j.partitions_done+'/'+j.partitions_total,'num'),
      cell((j.stages||[]).map(s=>s.name+' '+s.done+'/'+s.total).join(', ')),
      cell(j.rows_in,'num'),cell(j.rows_out,'num'),cell(j.rows_rejected,'num'),cell(j.mb_per_s.toFixed(1),'num'));
    body.append(tr);
  }
}
function renderWorkers(workers){
  const body=document.querySelector('#workers tbody');body.innerHTML='';
  for(const w of workers){
    const tr=el('tr');
    tr.append(cell(w.id),cell(w.slots,'num'),cell(w.active,'num'),cell(w.heartbeat_age_ms+' ms ago','num'),
      cell(w.memory_bytes?bytes(w.memory_bytes):'–','num'));
    body.append(tr);
  }
}
function renderGrid(job){
  const g=job.partitions, grid=document.getElementById('grid');
  const legend=document.getElementById('legend');
  if(!legend.childElementCount)STATES.forEach((s,i)=>{const span=el('span');span.append(el('i',{class:'s'+i}),s);legend.append(span);});
  const cells=g.cells||'';
  grid.style.setProperty('--cell',cells.length<=256?'18px':cells.length<=1024?'12px':'8px');
  while(grid.childElementCount>cells.length)grid.lastChild.remove();
  while(grid.childElementCount<cells.length)grid.append(el('div'));
  for(let i=0;i<cells.length;i++){
    const c=grid.children[i], s=cells.charCodeAt(i)-48, first=i*g.per_cell;
    const last=Math.min(g.total,first+g.per_cell)-1;
    c.className='cell s'+s+' g-'+g.stages[i];c.dataset.state=STATES[s]||'?';
    c.title=(g.per_cell>1?'partitions '+first+'–'+last+' (least advanced): ':'partition '+first+': ')+
      (STATES[s]||'?')+' · '+(STAGES[g.stages[i]]||'');
  }
  const kinds=[...new Set(g.stages)].filter(k=>STAGES[k]);
  document.getElementById('grid-note').textContent=g.total+' partitions'+
    (kinds.length>1?' ('+kinds.map(k=>({m:'■',b:'●',f:'◆'}[k]||'■')+' '+STAGES[k]).join(', ')+')':'')+
    (g.per_cell>1?', '+g.per_cell+' per cell (each shows its least advanced)':'');
}
// series: [{name,colour,points:[[t,v]]}], each scaled to max (or own max).
function drawChart(svg,series,shared,label){
  svg.innerHTML='';const W=480,H=150,L=4,T=16,B=16;
  const all=series.flatMap(s=>s.points);
  if(!all.length){const t=svgEl('text',{x:10,y:H/2});t.textContent='no samples yet';svg.append(t);return;}
  const t0=Math.min(...all.map(p=>p[0])), t1=Math.max(...all.map(p=>p[0]),t0+1000);
  const sharedMax=Math.max(1e-9,...all.map(p=>p[1]));
  svg.append(svgEl('line',{x1:L,y1:H-B,x2:W,y2:H-B,stroke:'#d0d7de'}));
  let legendX=L+2;
  series.forEach((s,k)=>{
    const max=shared?sharedMax:Math.max(1e-9,...s.points.map(p=>p[1]));
    const d=s.points.map((p,i)=>(i?'L':'M')+(L+(p[0]-t0)/(t1-t0)*(W-L-4)).toFixed(1)+','+
      (H-B-p[1]/max*(H-T-B)).toFixed(1)).join(' ');
    const path=svgEl('path',{d:d||'M0,0',stroke:s.colour,class:'line '+(s.cls||''),id:s.id||''});
    if(s.dash)path.setAttribute('stroke-dasharray',s.dash);
    svg.append(path);
    const text=svgEl('text',{x:legendX,y:11,fill:s.colour});
    text.textContent=s.name+(shared?'':' (max '+label(max)+')');svg.append(text);
    legendX+=Math.min(200,10+7*text.textContent.length);
  });
  if(shared){const t=svgEl('text',{x:W-4,y:T+8,'text-anchor':'end'});t.textContent='max '+label(sharedMax);svg.append(t);}
  const t=svgEl('text',{x:W-4,y:H-4,'text-anchor':'end'});t.textContent=Math.round((t1-t0)/1000)+' s';svg.append(t);
}
function rates(s){
  const rows=[],mb=[];
  for(let i=1;i<s.t_ms.length;i++){
    const dt=Math.max(1,s.t_ms[i]-s.t_ms[i-1])/1000;
    rows.push([s.t_ms[i],(s.rows_in[i]-s.rows_in[i-1])/dt]);
    mb.push([s.t_ms[i],(s.bytes_read[i]-s.bytes_read[i-1])/1e6/dt]);
  }
  return {rows,mb};
}
async function refreshRejects(job){
  const key=job.id+'/'+job.rows_rejected;if(key===rejectsKey)return;rejectsKey=key;
  const r=await (await fetch('/api/jobs/'+job.id+'/rejects')).json();
  const reasons=document.querySelector('#reasons tbody'),rows=document.querySelector('#rejects tbody');
  reasons.innerHTML='';rows.innerHTML='';
  for(const [reason,count] of Object.entries(r.by_reason).sort((a,b)=>b[1]-a[1])){
    const tr=el('tr');tr.append(cell(reason,'reason'),cell(count,'num'));reasons.append(tr);
  }
  for(const x of r.rejects){
    const tr=el('tr'),rec=cell(x.record,'record');rec.title=x.record;
    tr.append(cell(x.file),cell(x.source_file),cell(x.offset,'num'),cell(x.reason,'reason'),rec);
    rows.append(tr);
  }
  document.getElementById('rejects-note').textContent=job.rows_rejected+' rejected in job '+job.id+
    (r.rejects.length?', the first '+r.rejects.length+' shown'+(r.truncated?' (more in _rejects/)':''):'');
}
async function refreshJob(id){
  const job=await (await fetch('/api/jobs/'+id)).json();
  document.getElementById('job-title').textContent='Job '+job.id+' · '+job.name+' · '+job.state;
  renderGrid(job);
  const r=rates(job.samples);
  drawChart(document.getElementById('rate-chart'),[
    {name:'rows/s',colour:'#2f81f7',points:r.rows,id:'rate-rows'},
    {name:'MB/s',colour:'#bf8700',points:r.mb,id:'rate-mb',dash:'5 3'}],false,num);
  document.getElementById('rate-note').textContent='sampled every '+job.samples.interval_ms/1000+' s';
  await refreshRejects(job);
}
async function refreshMemory(){
  const data=await (await fetch('/api/workers')).json();
  drawChart(document.getElementById('memory-chart'),data.workers.map((w,i)=>({
    name:w.id,colour:COLOURS[i%COLOURS.length],cls:'mem-line',
    points:w.samples.t_ms.map((t,k)=>[t,w.samples.memory_bytes[k]])})),true,bytes);
}
async function refresh(){
  try{
    const data=await (await fetch('/api/jobs')).json();
    const selected=pickJob(data.jobs);
    renderJobs(data.jobs,selected);renderWorkers(data.workers);
    document.getElementById('summary').textContent=data.jobs.length+' jobs, '+data.workers.length+' workers connected';
    if(selected)await refreshJob(selected);
    await refreshMemory();
  }catch(e){document.getElementById('summary').textContent='coordinator unreachable: '+e;}
}
refresh();setInterval(refresh,1000);
)JS";

}  // namespace sluice
