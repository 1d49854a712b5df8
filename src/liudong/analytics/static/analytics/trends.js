/* The coverage trend chart (analytics/trends.html): the figures come from the page's JSON
   block (#trend-data), the series' names from the chart's data-label-* attributes. A file,
   not an inline script: the Content-Security-Policy allows none (decision 180). */
(function () {
  var el = document.getElementById("trend-chart"); if (!el) return;
  var label = function (key) { return el.getAttribute("data-label-" + key) || ""; };
  var data = JSON.parse(document.getElementById("trend-data").textContent);
  var days = data.points.map(function (p) { return p.day; });
  // Demo back-fill is drawn as hollow grey points on a shaded span (decision 96).
  var pick = function (k) {
    return data.points.map(function (p) {
      return p.source === "demo" ? { value: p[k], itemStyle: { color: "#ffffff", borderColor: "#8a8f98" } } : p[k];
    });
  };
  var demo = data.sources.demo;
  var demoArea = demo ? { silent: true, itemStyle: { color: "rgba(138,143,152,0.12)" }, label: { show: true, position: "insideTop", color: "#8a8f98", formatter: label("demo") }, data: [[{ xAxis: demo.first }, { xAxis: demo.last }]] } : undefined;
  var chart = echarts.init(el);
  chart.setOption({
    color: ["#c8161d", "#3b6ea5", "#8a8f98"],
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + " %"; } },
    legend: { top: 0 },
    grid: { left: 50, right: 30, top: 40, bottom: 40 },
    xAxis: { type: "category", data: days, boundaryGap: false },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
    series: [
      { name: label("in"), type: "line", data: pick("in_province"), smooth: true, symbolSize: 6, markArea: demoArea },
      { name: label("out"), type: "line", data: pick("out_of_province"), smooth: true, symbolSize: 6 },
      { name: label("all"), type: "line", data: pick("all"), smooth: true, lineStyle: { width: 1 }, symbolSize: 4 },
      { name: label("target-in"), type: "line", data: pick("target_in_province"), step: "end", symbol: "none", lineStyle: { type: "dashed", color: "#c8161d" }, itemStyle: { color: "#c8161d" } },
      { name: label("target-out"), type: "line", data: pick("target_out_of_province"), step: "end", symbol: "none", lineStyle: { type: "dashed", color: "#3b6ea5" }, itemStyle: { color: "#3b6ea5" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
