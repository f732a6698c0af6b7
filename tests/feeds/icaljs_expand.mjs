// A second, independent reading of our feeds: Mozilla's ical.js (what Thunderbird uses).
// Reads one JSON request on stdin, writes one JSON answer on stdout.
//   {"mode": "expand", "feeds": {name: icsText}, "start": unixSeconds, "end": unixSeconds}
//     -> {name: [{uid, start, end, status, summary, recurrence}]}   (instances overlapping [start, end))
//   {"mode": "offsets", "ics": icsText, "tzid": "Europe/Berlin", "instants": [unixSeconds],
//    "locals": [[y, m, d, h, mi]]}
//     -> {"offsets": [utc offset in seconds of each instant's local time], "utc": [unix seconds of each local time]}
import ICAL from '../../node_modules/ical.js/dist/ical.js';

function registerZones(calendar) {
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
}

function expand(text, start, end) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(text));
  registerZones(calendar);
  const masters = new Map();
  const exceptions = [];
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    if (vevent.hasProperty('recurrence-id')) exceptions.push(vevent);
    // exceptions: [] because ICAL.Event on its own relates every RECURRENCE-ID override of the calendar to
    // every series, whatever its UID (a moved date would move every series with the same local start);
    // strictExceptions refuses an override of another UID. Each override is related to its own series below.
    else masters.set(vevent.getFirstPropertyValue('uid'),
                     new ICAL.Event(vevent, {exceptions: [], strictExceptions: true}));
  }
  for (const vevent of exceptions) {
    const master = masters.get(vevent.getFirstPropertyValue('uid'));
    if (!master) throw new Error('override without master: ' + vevent.getFirstPropertyValue('uid'));
    master.relateException(vevent);
  }
  const found = [];
  const add = (event, s, e, item, recurrence) => {
    const a = s.toUnixTime(), b = e.toUnixTime();
    if (a < end && b > start) {
      found.push({uid: event.uid, start: a, end: b, summary: item.summary,
                  status: item.component.getFirstPropertyValue('status'), recurrence});
    }
  };
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      add(event, event.startDate, event.endDate, event, null);
      continue;
    }
    const iterator = event.iterator();
    let next;
    while ((next = iterator.next())) {
      if (next.toUnixTime() >= end) break;
      const details = event.getOccurrenceDetails(next);
      add(event, details.startDate, details.endDate, details.item, details.recurrenceId.toUnixTime());
    }
  }
  return found;
}

function offsets(request) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(request.ics));
  registerZones(calendar);
  const zone = ICAL.TimezoneService.get(request.tzid);
  if (!zone) throw new Error('zone not registered: ' + request.tzid);
  const result = {offsets: [], utc: []};
  for (const instant of request.instants) {
    // The local wall-clock time ical.js gives the instant, read back as if it were UTC, minus the instant.
    const local = ICAL.Time.fromJSDate(new Date(instant * 1000), true).convertToZone(zone);
    const wall = new ICAL.Time({year: local.year, month: local.month, day: local.day, hour: local.hour,
                                minute: local.minute, second: local.second, isDate: false},
                               ICAL.Timezone.utcTimezone);
    result.offsets.push(wall.toUnixTime() - instant);
  }
  for (const [year, month, day, hour, minute] of request.locals) {
    const local = new ICAL.Time({year, month, day, hour, minute, second: 0, isDate: false}, zone);
    result.utc.push(local.toUnixTime());
  }
  return result;
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  let answer;
  if (request.mode === 'expand') {
    answer = {};
    for (const [name, text] of Object.entries(request.feeds)) answer[name] = expand(text, request.start, request.end);
  } else if (request.mode === 'offsets') {
    answer = offsets(request);
  } else {
    throw new Error('unknown mode ' + request.mode);
  }
  process.stdout.write(JSON.stringify(answer));
});
