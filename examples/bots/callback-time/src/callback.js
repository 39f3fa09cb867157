// When to call back, from the time the callee named ($parseTree["_duckling.time"]).
//
// The value is Duckling's, resolved in the callee's zone at the call's current time, plus
// JAICP's convenience fields (.value: local ISO without offset, .timestamp: ms, .year …, of the
// start for an interval).
// - A point ("in 20 minutes", "tomorrow at 3 pm"): attempts may start from that instant for
//   POINT_WINDOW_MINUTES.
// - An interval ("tomorrow after lunch", "next Monday morning"): from its start to its end
//   (Duckling's `to` is exclusive, as finishDateTime is). An interval that has already begun
//   starts now; one open at the start ("before 5 pm") too. One open at the end ("after 5 pm")
//   is treated as a point at its start.
// Returns null when the time has already passed, else
//   {start, finish: Date, day: "YYYY-MM-DD", at: "HH:MM" | null, until: "HH:MM" | null}
// with day/at/until the callee's local wall time as they said it (for the reply).
var POINT_WINDOW_MINUTES = 30;

function callbackPlan(time, now) {
    if (!time || time.timestamp === undefined) {
        return null;
    }
    var interval = Boolean(time.type === "interval" && time.to);
    var hasStart = !interval || Boolean(time.from); // .timestamp/.value are of the start
    var start = new Date(hasStart ? time.timestamp : now.getTime());
    var finish = interval
        ? new Date(time.to.value)
        : new Date(start.getTime() + POINT_WINDOW_MINUTES * 60000);
    if (start.getTime() < now.getTime()) {
        start = now;
    }
    if (finish.getTime() <= start.getTime()) {
        return null;
    }
    return {
        start: start,
        finish: finish,
        day: (hasStart ? time.value : time.to.value).substring(0, 10),
        at: hasStart ? time.value.substring(11, 16) : null,
        until: interval ? time.to.value.substring(11, 16) : null
    };
}

// Plan the callback and ask the dialer for it: two attempts, five minutes apart, inside the
// plan's window. Returns the plan (null when the time has passed: nothing is scheduled).
function scheduleCallback(time, now) {
    var plan = callbackPlan(time, now);
    if (plan) {
        $dialer.redial({
            startDateTime: new Date(plan.start.getTime()),
            finishDateTime: new Date(plan.finish.getTime()),
            maxAttempts: 2, // 2 call attempts in total
            retryIntervalInMinutes: 5 // 5-minute pause between attempts
        });
    }
    return plan;
}
