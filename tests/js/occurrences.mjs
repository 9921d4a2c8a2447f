// Reads an iCalendar feed on stdin with Mozilla's ical.js (Thunderbird's parser) and prints
// its occurrences as JSON: [{uid, start, end, status, summary, sequence}], times in UTC.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const utc = (time) => time.toJSDate().toISOString().replace(/\.\d{3}Z$/, "Z");
const out = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  if (event.startDate.zone === ICAL.Timezone.localTimezone) {
    throw new Error(`floating time in ${event.uid}: its TZID was not resolved`);
  }
  const occurrence = (start, end) => out.push({
    uid: event.uid, start: utc(start), end: utc(end),
    status: vevent.getFirstPropertyValue("status") || "CONFIRMED",
    summary: event.summary, sequence: event.sequence,
  });
  if (event.isRecurring()) {
    const it = event.iterator();
    for (let next = it.next(); next; next = it.next()) {
      const details = event.getOccurrenceDetails(next);
      occurrence(details.startDate, details.endDate);
    }
  } else {
    occurrence(event.startDate, event.endDate);
  }
}
out.sort((a, b) => (a.start + a.uid).localeCompare(b.start + b.uid));
process.stdout.write(JSON.stringify(out));
