// Reads an iCalendar feed on stdin with node-ical (used by many Node dashboards and bots) and
// prints its events as JSON: [{uid, start, end, status}], times in UTC. No rule expansion:
// Parcours feeds hold one VEVENT per session.
import ical from "node-ical";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const parsed = ical.sync.parseICS(Buffer.concat(chunks).toString("utf8"));

const utc = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
const out = [];
for (const item of Object.values(parsed)) {
  if (item.type !== "VEVENT") continue;
  if (item.rrule) throw new Error(`unexpected RRULE in ${item.uid}`);
  if (!item.start.tz) throw new Error(`floating time in ${item.uid}: its TZID was not resolved`);
  out.push({uid: item.uid, start: utc(item.start), end: utc(item.end),
            status: item.status || "CONFIRMED"});
}
out.sort((a, b) => (a.start + a.uid).localeCompare(b.start + b.uid));
process.stdout.write(JSON.stringify(out));
