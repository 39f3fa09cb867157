// ringback's JavaScript prelude: the JAICP script objects of one request, run once per isolate.
//
// Python (ringback/bot/js.py) drives it through the non-enumerable global `__ringback`:
// begin(data) injects one request's JSON state, end() returns everything the scripts did as
// one JSON string and clears it. Mini-racer callbacks into Python are async-only, so nothing
// here calls Python: mutating calls ($dialer.*, $reactions.*, log) are recorded in arrays that
// end() drains, and read-only data ($dialer getters, $http mocks) comes in with begin().
(function (G) {
  "use strict";

  // Deep enough that a script's own frame survives the prelude's (errors are placed by it).
  Error.stackTraceLimit = 40;
  var RealDate = G.Date;
  var realRandom = Math.random;
  var WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  // ---- sandbox: drop what is not ECMAScript or could escape the virtual clock / memory limit
  // setTimeout is mini-racer's own (callbacks would run outside any request); Temporal.Now reads
  // the real clock; WebAssembly and SharedArrayBuffer memory is not counted by the heap limit.
  ["setTimeout", "clearTimeout", "__timer_manager", "Temporal", "WebAssembly",
    "SharedArrayBuffer"].forEach(function (name) {
    // mini-racer declares its timers with `var`: not deletable, so blank them
    if (!Reflect.deleteProperty(G, name)) G[name] = undefined;
  });

  // Typed-array and ArrayBuffer backing stores live outside the V8 heap, so the hard memory limit
  // does not see them: cap their size at construction.
  var bufferCap = 64 * 1024 * 1024;
  ["ArrayBuffer", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array",
    "Int32Array", "Float32Array", "Float64Array", "Float16Array", "BigUint64Array",
    "BigInt64Array", "Uint8ClampedArray"].forEach(function (name) {
    var Real = G[name];
    if (typeof Real !== "function") return;
    var unit = Real.BYTES_PER_ELEMENT || 1;
    G[name] = new Proxy(Real, {
      construct: function (target, args, newTarget) {
        var n = args[0];
        if (typeof n === "number" && n * unit > bufferCap) {
          throw new RangeError(name + " of " + n + " elements exceeds the script memory limit");
        }
        var opts = args[1];
        if (opts && typeof opts.maxByteLength === "number" && opts.maxByteLength > bufferCap) {
          throw new RangeError(name + " maxByteLength exceeds the script memory limit");
        }
        return Reflect.construct(target, args, newTarget === G[name] ? target : newTarget);
      },
    });
  });

  // ---- request state -------------------------------------------------------------------------
  var S = null; // the current request; null between requests
  var hooks = {}; // bind() handlers, kept for the life of the bot: name -> [{fn, path}]
  // The bot's script blocks, conditions and templates, each compiled once: id -> function.
  var blocks = {};
  var marked = null; // the step of the current V8 call that runs now (see ScriptEngine._send)
  var begun = false; // begin() of the current request has finished (see ScriptEngine._send)
  var redialReasons = {};
  var globalObject = {};

  function nowMs() {
    return S && S.now !== null ? S.now : RealDate.now();
  }

  function fresh() {
    return {
      now: null, logs: [], dialerCalls: [], other: [], transition: null, channel: "text",
      dialer: {}, httpMocks: [], httpLogged: {}, clientBefore: "null", tts: {}, noticed: {},
    };
  }

  function logLine(text) {
    if (S) S.logs.push(text);
  }

  function show(value) {
    if (typeof value === "string") return value;
    if (value === undefined) return "undefined";
    if (value instanceof RealDate) return value.toISOString();
    if (typeof value === "function") return "[function]";
    try {
      var text = JSON.stringify(value);
      return text === undefined ? String(value) : text;
    } catch (e) {
      return String(value);
    }
  }

  // Recorded arguments are JSON: Dates become epoch milliseconds (toJSON would make ISO strings,
  // so look at the holder's original value, which the replacer sees as this[key]).
  function toRecord(value) {
    var text = JSON.stringify(value === undefined ? null : value, function (key, v) {
      var original = this[key];
      if (original instanceof RealDate) return original.getTime();
      return v;
    });
    return text === undefined ? null : JSON.parse(text);
  }

  function record(name, args) {
    S.dialerCalls.push([name, toRecord(Array.prototype.slice.call(args))]);
  }

  // ---- virtual Date ---------------------------------------------------------------------------
  // new Date() and Date.now() read the engine's clock; every other form passes through.
  function VDate() {
    if (!new.target) return new RealDate(nowMs()).toString();
    var args = arguments.length === 0 ? [nowMs()] : Array.prototype.slice.call(arguments);
    return Reflect.construct(RealDate, args, new.target);
  }
  VDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, "constructor", { value: VDate, writable: true,
    configurable: true });
  VDate.now = function () { return nowMs(); };
  VDate.UTC = RealDate.UTC;
  VDate.parse = RealDate.parse;
  Object.defineProperty(VDate, "name", { value: "Date" });
  G.Date = VDate;

  // Intl formatters format "now" when called without a date: make that the virtual now too.
  var formatGetter = Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, "format").get;
  Object.defineProperty(Intl.DateTimeFormat.prototype, "format", {
    configurable: true,
    get: function () {
      var bound = formatGetter.call(this); // `format` is a bound-function getter in the spec
      return function (d) { return bound(d === undefined ? nowMs() : d); };
    },
  });
  var realFormatToParts = Intl.DateTimeFormat.prototype.formatToParts;
  Intl.DateTimeFormat.prototype.formatToParts = function (d) {
    return realFormatToParts.call(this, d === undefined ? nowMs() : d);
  };

  // Seeded Math.random for reproducible tests (mulberry32).
  function seeded(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  Math.random = function () { return S && S.random ? S.random() : realRandom(); };

  // ---- dates: a small moment() and Java-style formatting for $jsapi.dateForZone ----------------
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var UNIT = {
    y: "year", year: "year", years: "year", M: "month", month: "month", months: "month",
    Q: "quarter", quarter: "quarter", quarters: "quarter",
    w: "week", week: "week", weeks: "week", d: "day", day: "day", days: "day",
    h: "hour", hour: "hour", hours: "hour", m: "minute", minute: "minute", minutes: "minute",
    s: "second", second: "second", seconds: "second",
    ms: "millisecond", millisecond: "millisecond", milliseconds: "millisecond",
  };
  var UNIT_MS = { week: 604800000, day: 86400000, hour: 3600000, minute: 60000, second: 1000,
    millisecond: 1 };

  function pad(n, width) {
    var s = String(Math.abs(n));
    while (s.length < width) s = "0" + s;
    return (n < 0 ? "-" : "") + s;
  }

  function offsetText(minutes, colon) {
    var sign = minutes < 0 ? "-" : "+";
    var m = Math.abs(minutes);
    return sign + pad(Math.floor(m / 60), 2) + (colon ? ":" : "") + pad(m % 60, 2);
  }

  // Offset in minutes of `zone` at instant `ms`: "+03:00", "UTC+3", "GMT-5" or an IANA name.
  function zoneOffset(zone, ms) {
    if (zone === undefined || zone === null || zone === "" || zone === "UTC" || zone === "Z") {
      return 0;
    }
    if (typeof zone === "number") return zone;
    var fixed = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(String(zone));
    if (fixed) {
      var value = Number(fixed[2]) * 60 + Number(fixed[3] || 0);
      return fixed[1] === "-" ? -value : value;
    }
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: String(zone), hourCycle: "h23", year: "numeric", month: "numeric",
      day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    }).formatToParts(ms);
    var p = {};
    parts.forEach(function (part) { p[part.type] = Number(part.value); });
    var local = RealDate.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return Math.round((local - Math.floor(ms / 1000) * 1000) / 60000);
  }

  var FORMAT_TOKENS =
    /\[([^\]]*)]|YYYY|YY|MMMM|MMM|MM|M|DDDD|DD|Do|D|dddd|ddd|dd|d|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x/g;

  // moment-style format of instant `ms` shown at `offset` minutes east of UTC.
  function formatMs(ms, offset, fmt) {
    var d = new RealDate(ms + offset * 60000);
    var Y = d.getUTCFullYear(), M = d.getUTCMonth(), D = d.getUTCDate(), W = d.getUTCDay();
    var H = d.getUTCHours(), m = d.getUTCMinutes(), s = d.getUTCSeconds();
    return fmt.replace(FORMAT_TOKENS, function (token, literal) {
      if (literal !== undefined) return literal;
      switch (token) {
        case "YYYY": return pad(Y, 4);
        case "YY": return pad(Y % 100, 2);
        case "MMMM": return MONTHS[M];
        case "MMM": return MONTHS[M].slice(0, 3);
        case "MM": return pad(M + 1, 2);
        case "M": return String(M + 1);
        case "DD": return pad(D, 2);
        case "Do": return D + ([, "st", "nd", "rd"][D % 10 > 3 || (D > 10 && D < 14) ? 0 : D % 10] || "th");
        case "D": return String(D);
        case "DDDD": return pad(Math.round((RealDate.UTC(Y, M, D) - RealDate.UTC(Y, 0, 1)) / 86400000) + 1, 3);
        case "dddd": return DAYS[W];
        case "ddd": return DAYS[W].slice(0, 3);
        case "dd": return DAYS[W].slice(0, 2);
        case "d": return String(W);
        case "HH": return pad(H, 2);
        case "H": return String(H);
        case "hh": return pad(H % 12 || 12, 2);
        case "h": return String(H % 12 || 12);
        case "mm": return pad(m, 2);
        case "m": return String(m);
        case "ss": return pad(s, 2);
        case "s": return String(s);
        case "SSS": return pad(d.getUTCMilliseconds(), 3);
        case "A": return H < 12 ? "AM" : "PM";
        case "a": return H < 12 ? "am" : "pm";
        case "ZZ": return offsetText(offset, false);
        case "Z": return offsetText(offset, true);
        case "X": return String(Math.floor(ms / 1000));
        case "x": return String(ms);
      }
      return token;
    });
  }

  // Java SimpleDateFormat pattern (JAICP runs on the JVM) -> moment pattern.
  function javaToMoment(pattern) {
    return String(pattern).replace(/'([^']*)'|y+|M+|d+|E+|H+|h+|m+|s+|S+|a|X+|Z+|[A-Za-z]/g,
      function (token, literal) {
        if (literal !== undefined) return literal === "" ? "'" : "[" + literal + "]";
        var c = token[0], n = token.length;
        switch (c) {
          case "y": return n === 2 ? "YY" : "YYYY";
          case "M": return n >= 4 ? "MMMM" : n === 3 ? "MMM" : n === 2 ? "MM" : "M";
          case "d": return n >= 2 ? "DD" : "D";
          case "E": return n >= 4 ? "dddd" : "ddd";
          case "H": return n >= 2 ? "HH" : "H";
          case "h": return n >= 2 ? "hh" : "h";
          case "m": return n >= 2 ? "mm" : "m";
          case "s": return n >= 2 ? "ss" : "s";
          case "S": return "SSS";
          case "a": return "A";
          case "X": return "Z";
          case "Z": return "ZZ";
        }
        return "[" + token + "]";
      });
  }

  function parseWithFormat(text, fmt) {
    var fields = { Y: 1970, M: 1, D: 1, H: 0, m: 0, s: 0 };
    var order = [];
    var source = String(fmt).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/YYYY|MM|DD|HH|mm|ss|M|D|H|m|s/g, function (token) {
        order.push(token[0] === "Y" ? "Y" : token[0]);
        return token === "YYYY" ? "(\\d{4})" : "(\\d{1,2})";
      });
    var found = new RegExp("^" + source).exec(String(text).trim());
    if (!found) return NaN;
    order.forEach(function (key, i) { fields[key] = Number(found[i + 1]); });
    return RealDate.UTC(fields.Y, fields.M - 1, fields.D, fields.H, fields.m, fields.s);
  }

  function Moment(ms, offset) {
    this._ms = ms;
    this._offset = offset || 0;
  }
  function toMs(input) {
    if (input instanceof Moment) return input._ms;
    if (input instanceof RealDate) return input.getTime();
    if (input === undefined) return nowMs();
    if (typeof input === "number") return input;
    return RealDate.parse(String(input));
  }
  function moment(input, fmt) {
    if (input instanceof Moment) return new Moment(input._ms, input._offset);
    if (typeof input === "string" && typeof fmt === "string") {
      return new Moment(parseWithFormat(input, fmt), 0);
    }
    return new Moment(input === null ? NaN : toMs(input), 0);
  }
  moment.utc = moment;
  moment.unix = function (seconds) { return new Moment(seconds * 1000, 0); };
  moment.isMoment = function (x) { return x instanceof Moment; };
  moment.locale = function () { return "en"; };
  moment.fn = Moment.prototype;

  function shifted(mo, n, unit) {
    var u = UNIT[unit] || UNIT[String(unit).toLowerCase()] || "millisecond";
    if (u === "year" || u === "month" || u === "quarter") {
      var months = u === "year" ? 12 * n : u === "quarter" ? 3 * n : n;
      var d = new RealDate(mo._ms + mo._offset * 60000);
      var day = d.getUTCDate();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() + months);
      var last = new RealDate(RealDate.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      d.setUTCDate(Math.min(day, last));
      return new Moment(d.getTime() - mo._offset * 60000, mo._offset);
    }
    return new Moment(mo._ms + n * UNIT_MS[u], mo._offset);
  }
  function addArgs(mo, n, unit, sign) {
    if (n !== null && typeof n === "object") {
      var out = mo;
      Object.keys(n).forEach(function (k) { out = shifted(out, sign * n[k], k); });
      return out;
    }
    return shifted(mo, sign * Number(n), unit);
  }
  function accessor(getter, setter) {
    return function (value) {
      var d = new RealDate(this._ms + this._offset * 60000);
      if (value === undefined) return d[getter]();
      d[setter](value);
      return new Moment(d.getTime() - this._offset * 60000, this._offset);
    };
  }
  Moment.prototype = {
    constructor: Moment,
    format: function (fmt) {
      return formatMs(this._ms, this._offset, fmt === undefined ? "YYYY-MM-DDTHH:mm:ssZ" : fmt);
    },
    add: function (n, unit) { return addArgs(this, n, unit, 1); },
    subtract: function (n, unit) { return addArgs(this, n, unit, -1); },
    clone: function () { return new Moment(this._ms, this._offset); },
    toDate: function () { return new RealDate(this._ms); },
    valueOf: function () { return this._ms; },
    unix: function () { return Math.floor(this._ms / 1000); },
    toISOString: function () { return new RealDate(this._ms).toISOString(); },
    toJSON: function () { return this.toISOString(); },
    toString: function () { return this.format("ddd MMM DD YYYY HH:mm:ss [GMT]ZZ"); },
    isValid: function () { return !isNaN(this._ms); },
    isBefore: function (other) { return this._ms < toMs(other); },
    isAfter: function (other) { return this._ms > toMs(other); },
    isSame: function (other) { return this._ms === toMs(other); },
    diff: function (other, unit, precise) {
      var u = UNIT[unit] || "millisecond";
      var delta;
      if (u === "year" || u === "month" || u === "quarter") {
        var a = new RealDate(this._ms + this._offset * 60000);
        var b = new RealDate(toMs(other) + this._offset * 60000);
        delta = (a.getUTCFullYear() - b.getUTCFullYear()) * 12 + a.getUTCMonth() - b.getUTCMonth();
        if (u === "year") delta /= 12;
        if (u === "quarter") delta /= 3;
      } else {
        delta = (this._ms - toMs(other)) / UNIT_MS[u];
      }
      return precise ? delta : delta < 0 ? Math.ceil(delta) : Math.floor(delta);
    },
    startOf: function (unit) {
      var u = UNIT[unit] || unit;
      var d = new RealDate(this._ms + this._offset * 60000);
      switch (u) {
        case "year": d.setUTCMonth(0); // fallthrough
        case "month": d.setUTCDate(1); // fallthrough
        case "day": d.setUTCHours(0); // fallthrough
        case "hour": d.setUTCMinutes(0); // fallthrough
        case "minute": d.setUTCSeconds(0); // fallthrough
        case "second": d.setUTCMilliseconds(0); break;
        case "week":
          d.setUTCDate(d.getUTCDate() - d.getUTCDay());
          d.setUTCHours(0, 0, 0, 0);
          break;
      }
      return new Moment(d.getTime() - this._offset * 60000, this._offset);
    },
    endOf: function (unit) {
      return this.startOf(unit).add(1, unit).subtract(1, "ms");
    },
    utcOffset: function (offset) {
      if (offset === undefined) return this._offset;
      var minutes = typeof offset === "number" && Math.abs(offset) <= 16 ? offset * 60
        : zoneOffset(offset, this._ms);
      return new Moment(this._ms, minutes);
    },
    tz: function (zone) { return new Moment(this._ms, zoneOffset(zone, this._ms)); },
    utc: function () { return new Moment(this._ms, 0); },
    local: function () { return new Moment(this._ms, 0); },
    locale: function () { return this; },
    year: accessor("getUTCFullYear", "setUTCFullYear"),
    month: accessor("getUTCMonth", "setUTCMonth"),
    date: accessor("getUTCDate", "setUTCDate"),
    day: accessor("getUTCDay", "setUTCDay"),
    hour: accessor("getUTCHours", "setUTCHours"),
    minute: accessor("getUTCMinutes", "setUTCMinutes"),
    second: accessor("getUTCSeconds", "setUTCSeconds"),
  };
  Moment.prototype.hours = Moment.prototype.hour;
  Moment.prototype.minutes = Moment.prototype.minute;
  Moment.prototype.seconds = Moment.prototype.second;
  Moment.prototype.weekday = Moment.prototype.day;
  Moment.prototype.isoWeekday = function () { return this.day() || 7; };

  // ---- $reactions ------------------------------------------------------------------------------
  function replies() {
    var r = G.$response;
    if (!r || typeof r !== "object") G.$response = r = {};
    if (!Array.isArray(r.replies)) r.replies = [];
    return r.replies;
  }
  function valueOf(x, key) {
    return x !== null && typeof x === "object" ? x[key || "value"] : x;
  }
  function buttonList(args) {
    var out = [];
    Array.prototype.slice.call(args).forEach(function (b) {
      if (Array.isArray(b)) { out = out.concat(buttonList(b)); return; }
      if (b === null || b === undefined) return;
      if (typeof b === "object") {
        var button = { text: String(b.text) };
        if (b.transition !== undefined) button.transition = String(b.transition);
        if (b.url !== undefined) button.url = String(b.url);
        if (b.callback_data !== undefined) button.callback_data = String(b.callback_data);
        out.push(button);
      } else {
        out.push({ text: String(b) });
      }
    });
    return out;
  }
  var $reactions = {
    answer: function (text) {
      var reply = { type: "text", text: String(valueOf(text)) };
      if (text && typeof text === "object" && text.tts !== undefined) reply.tts = String(text.tts);
      replies().push(reply);
    },
    transition: function (target) {
      S.transition = String(valueOf(target));
    },
    buttons: function () {
      replies().push({ type: "buttons", buttons: buttonList(arguments) });
    },
    inlineButtons: function () {
      replies().push({ type: "inlineButtons", buttons: buttonList(arguments) });
    },
    image: function (url) {
      replies().push({ type: "image", imageUrl: String(valueOf(url, "imageUrl")) });
    },
    audio: function (url) {
      replies().push({ type: "audio", audioUrl: String(valueOf(url, "audioUrl")) });
    },
    timeout: function (params) {
      replies().push({ type: "timeout", interval: params && params.interval,
        targetState: params && params.targetState });
    },
    random: function (items) {
      if (Array.isArray(items)) return items[Math.floor(Math.random() * items.length)];
      var n = Number(items);
      return Math.floor(Math.random() * (n > 0 ? n : 1));
    },
    newSession: function (params) {
      S.other.push({ type: "newSession", message: params && params.message,
        data: toRecord(params && params.data) });
    },
  };

  // ---- $http: answers from test mocks only -----------------------------------------------------
  function fillUrl(url, values) {
    return String(url).replace(/\$\{\s*([^}\s]+)\s*\}/g, function (all, name) {
      return values && values[name] !== undefined ? encodeURIComponent(String(values[name])) : all;
    });
  }
  function sameBody(expected, actual) {
    if (expected === undefined || expected === null) return true;
    var a = typeof expected === "string" ? expected : JSON.stringify(expected);
    var b = typeof actual === "string" ? actual : JSON.stringify(actual);
    if (a === b) return true;
    try {
      return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
    } catch (e) {
      return false;
    }
  }
  function httpCall(method, url, settings) {
    settings = settings || {};
    if (!S) throw new Error("$http is only available while a request runs");
    method = String(settings.method || method || "GET").toUpperCase();
    var filled = fillUrl(url, settings.query);
    var mock = null;
    for (var i = 0; i < S.httpMocks.length && mock === null; i++) {
      var m = S.httpMocks[i];
      var mockUrl = fillUrl(m.url, m.parameters || settings.query);
      if (String(m.method || "GET").toUpperCase() === method && mockUrl === filled &&
        sameBody(m.body, settings.body)) {
        mock = m;
      }
    }
    if (mock === null) {
      var key = method + " " + filled;
      if (!S.httpLogged[key]) {
        S.httpLogged[key] = true;
        logLine("$http: " + key + " has no mock; live HTTP is not available offline");
      }
      return { isOk: false, status: 0, data: null, response: null,
        error: "$http: live HTTP is not available offline (" + key + ")" };
    }
    var status = mock.status === undefined ? 200 : Number(mock.status);
    var data = mock.response;
    if (typeof data === "string" && String(mock.type || "json").toLowerCase() === "json") {
      try { data = JSON.parse(data); } catch (e) { /* keep the text */ }
    }
    var ok = status >= 200 && status < 300;
    return { isOk: ok, status: status, data: data, response: data,
      error: ok ? null : "HTTP " + status };
  }
  var $http = {
    query: function (url, settings) { return httpCall(null, url, settings); },
    get: function (url, settings) { return httpCall("GET", url, settings); },
    post: function (url, settings) { return httpCall("POST", url, settings); },
    put: function (url, settings) { return httpCall("PUT", url, settings); },
    delete: function (url, settings) { return httpCall("DELETE", url, settings); },
    config: function () {},
  };

  // ---- $dialer -------------------------------------------------------------------------------------
  // $dialer.redial validation: a line-by-line mirror of ringback.domain.series.parse_redial
  // (same checks, same order, the same reasons from REDIAL_REASONS, the policy parser's texts
  // for unusable windows), so that the script gets the error at once, synchronously.
  // tests/bot/test_dialer_api.py compares the two on generated params.
  var HHMM = /^([01]?[0-9]|2[0-3]):[0-5][0-9]$/;
  var ISO_INSTANT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,6})?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
  var MIN_MS = -62135596800000, MAX_MS = 253402300799999; // Python's datetime range
  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof RealDate);
  }
  function redialError(reason) {
    throw new Error("$dialer.redial params error. " + (redialReasons[reason] || reason));
  }
  function redialInstant(v) {
    var ms = v instanceof RealDate ? v.getTime()
      : typeof v === "number" ? v
      : typeof v === "string" && ISO_INSTANT.test(v.trim()) ? RealDate.parse(v.trim()) : NaN;
    if (!isFinite(ms) || ms < MIN_MS || ms > MAX_MS) redialError("bad_date");
    return ms;
  }
  function redialInteger(v, low, high, reason) {
    if (typeof v !== "number" || !isFinite(v) || Math.floor(v) !== v || v < low || v > high) {
      redialError(reason);
    }
  }
  function hhmmMinutes(v) {
    if (typeof v !== "string" || !HHMM.test(v)) redialError("bad_time");
    var parts = v.split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }
  function hhmmText(minutes) {
    return pad(Math.floor(minutes / 60), 2) + ":" + pad(minutes % 60, 2);
  }
  function redialAllowedTime(value) {
    if (!isPlainObject(value)) redialError("bad_allowed_time_value");
    var result = {}, order = [];
    Object.keys(value).forEach(function (rawKey) {
      var key = rawKey.toLowerCase(), intervals = value[rawKey];
      if ((key !== "default" && WEEKDAYS.indexOf(key) < 0) || key in result) {
        redialError("bad_allowed_time_key");
      }
      if (!Array.isArray(intervals) || intervals.length === 0 || !intervals.every(function (i) {
        return isPlainObject(i) && "localTimeFrom" in i && "localTimeTo" in i;
      })) {
        redialError("bad_allowed_time_value");
      }
      result[key] = intervals.map(function (i) {
        return { start: hhmmMinutes(i.localTimeFrom), end: hhmmMinutes(i.localTimeTo) };
      });
      order.push(key);
    });
    return { ranges: result, order: order };
  }
  // PolicyFields.from_json's own checks on well-formed windows (texts of ringback.domain.policy).
  function rangeLength(r) {
    return ((r.end - r.start) % 1440 + 1440) % 1440 || 1440;
  }
  function spans(ranges, dayOffset) {
    return ranges.map(function (r) {
      return [dayOffset * 1440 + r.start, dayOffset * 1440 + r.start + rangeLength(r)];
    });
  }
  function firstOverlap(list) {
    var sorted = list.slice().sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    for (var i = 1; i < sorted.length; i++) {
      if (sorted[i][0] < sorted[i - 1][1]) return [sorted[i - 1], sorted[i]];
    }
    return null;
  }
  function spanText(span) {
    return hhmmText(span[0] % 1440) + "-" + hhmmText(span[1] % 1440);
  }
  function checkWindows(allowed) {
    if (!allowed.order.length) {
      redialError("allowedTime must have at least one key (default, mon..sun)");
    }
    var byKey = {};
    allowed.order.forEach(function (key) {
      allowed.ranges[key].forEach(function (r) {
        if (r.start === r.end) {
          redialError("localTimeFrom must differ from localTimeTo, got " + hhmmText(r.start) +
            " for both");
        }
      });
      byKey[key] = allowed.ranges[key].slice().sort(function (a, b) { return a.start - b.start; });
    });
    allowed.order.forEach(function (key) {
      var clash = firstOverlap(spans(byKey[key], 0));
      if (clash) {
        redialError("windows of " + key + " must not overlap, got " + spanText(clash[0]) +
          " and " + spanText(clash[1]));
      }
    });
    var applying = function (day) {
      var key = day in byKey ? day : "default";
      return [key, byKey[key] || []];
    };
    WEEKDAYS.forEach(function (day, index) {
      var here = applying(day);
      var tails = here[1].filter(function (r) { return r.end <= r.start; });
      if (!tails.length) return;
      var next = applying(WEEKDAYS[(index + 1) % 7]);
      var clash = firstOverlap(spans(tails, 0).concat(spans(next[1], 1)));
      if (clash) {
        redialError("the cross-midnight window " + spanText(clash[0]) + " of " + here[0] +
          " overlaps " + spanText(clash[1]) + " of " + next[0] + " on the next day (" + day +
          " night)");
      }
    });
  }
  function checkRedial(params) {
    var keys = isPlainObject(params) ? Object.keys(params).filter(function (k) {
      return params[k] !== undefined && typeof params[k] !== "function";
    }) : [];
    if (!keys.length) redialError("no_params");
    var given = {};
    keys.forEach(function (k) { if (params[k] !== null) given[k] = params[k]; });
    var start = "startDateTime" in given ? redialInstant(given.startDateTime) : null;
    var finish = "finishDateTime" in given ? redialInstant(given.finishDateTime) : null;
    var allowed = null;
    if ("allowedTime" in given) {
      allowed = redialAllowedTime(given.allowedTime);
    } else if ("localTimeFrom" in given || "localTimeTo" in given) {
      allowed = redialAllowedTime({ default: [{ localTimeFrom: given.localTimeFrom,
        localTimeTo: given.localTimeTo }] });
    }
    if (start === null && allowed === null) redialError("no_start_or_time");
    if (start !== null && finish !== null && start >= finish) redialError("start_not_before_finish");
    if ("allowedDays" in given) {
      var days = given.allowedDays;
      if (!Array.isArray(days) || !days.length) redialError("bad_day");
      var seen = [];
      days.forEach(function (d) {
        var day = typeof d === "string" ? d.toLowerCase() : d;
        if (WEEKDAYS.indexOf(day) < 0 || seen.indexOf(day) >= 0) redialError("bad_day");
        seen.push(day);
      });
    }
    [["retryIntervalInMinutes", 1, 2880, "bad_retry_interval"],
      ["maxAttempts", 1, 50, "bad_max_attempts"],
      ["dialerPriority", 1, 5, "bad_priority"]].forEach(function (rule) {
      if (rule[0] in given) redialInteger(given[rule[0]], rule[1], rule[2], rule[3]);
    });
    if (allowed !== null) checkWindows(allowed);
  }

  function clone(v) {
    return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
  }

  // Each method: [empty value off the phone channel, implementation on it].
  var dialerMethods = {
    getCaller: ["", function () { return S.dialer.caller === undefined ? "" : String(S.dialer.caller); }],
    getPayload: [{}, function () { return clone(S.dialer.payload || {}); }],
    getDialHistory: [{}, function () {
      return clone(S.dialer.history || { completedAttempts: 0, availableAttempts: 0,
        completedAttemptsToPhone: 0, availableAttemptsToPhone: 0 });
    }],
    getCampaignSchedule: [{}, function () { return clone(S.dialer.campaignSchedule || {}); }],
    getDialSchedule: [{}, function () {
      return clone(S.dialer.dialSchedule || S.dialer.campaignSchedule || {});
    }],
    getAbonentTimezone: ["", function () { return String(S.dialer.timezone || "+00:00"); }],
    getCallNotConnectedReason: [null, function () { return S.dialer.callNotConnectedReason || null; }],
    getSipHeaders: [{}, function () { return clone(S.dialer.sipHeaders || {}); }],
    getCampaignToken: ["", function () { return String(S.dialer.token || ""); }],
    isIncomingCall: [false, function () { return Boolean(S.dialer.incoming); }],
    getTtsConfig: [{}, function () { return clone(S.tts); }],
    getTransferStatus: [{}, function () { return clone(S.dialer.transferStatus || {}); }],
    getBargeInIntentStatus: [null, function () { return clone(S.dialer.bargeInIntentStatus || null); }],
    isBargeInInterrupted: [false, function () { return Boolean(S.dialer.bargeInInterrupted); }],
    getCallRecordingFullUrl: ["", function () { return String(S.dialer.callRecordingFullUrl || ""); }],
    getCallRecordingPath: ["", function () { return String(S.dialer.callRecordingPath || ""); }],

    setCallResult: [undefined, function (result, payload) {
      if (result === undefined || result === null || String(result) === "") {
        throw new Error("$dialer.setCallResult: the call result must be a non-empty string");
      }
      record("setCallResult", payload === undefined ? [String(result)] : [String(result), payload]);
    }],
    setCallResultAccepted: [undefined, function () { record("setCallResultAccepted", arguments); }],
    setCallResultRejected: [undefined, function () { record("setCallResultRejected", arguments); }],
    reportData: [undefined, function (header, value, order) {
      if (header === undefined || header === null || String(header) === "") {
        throw new Error("$dialer.reportData: the header must be a non-empty string");
      }
      header = String(header);
      if (header.length > 255) {
        throw new Error("$dialer.reportData: the header is longer than 255 characters");
      }
      if (value === undefined || value === null) {
        throw new Error("$dialer.reportData: the value of '" + header + "' is null");
      }
      var text = show(value);
      if (text.length > 30000) {
        logLine("$dialer.reportData: the value of '" + header + "' is cut to 30000 characters");
        text = text.slice(0, 30000);
      }
      var args = [header, text];
      if (order !== undefined && order !== null) args.push(Number(order));
      record("reportData", args);
    }],
    addCallTag: [undefined, function (tag, payload, color) {
      if (tag === undefined || tag === null || String(tag) === "") {
        throw new Error("$dialer.addCallTag: the tag must be a non-empty string");
      }
      var args = [String(tag)];
      if (payload !== undefined || color !== undefined) args.push(payload === undefined ? null : payload);
      if (color !== undefined) args.push(color === null ? null : String(color));
      record("addCallTag", args);
    }],
    hangUp: [undefined, function (text) {
      record("hangUp", text === undefined || text === null ? [] : [String(valueOf(text))]);
    }],
    setNoInputTimeout: [undefined, function (ms) {
      var n = Number(ms);
      if (!isFinite(n)) {
        throw new Error("$dialer.setNoInputTimeout: expected milliseconds, got " + show(ms));
      }
      record("setNoInputTimeout", [Math.round(Math.min(20000, Math.max(1000, n)))]);
    }],
    redial: [undefined, function (params) {
      checkRedial(params);
      record("redial", [params]);
    }],
    bargeInResponse: [undefined, function () { record("bargeInResponse", arguments); }],
    bargeInInterrupt: [undefined, function () { record("bargeInInterrupt", arguments); }],
    setTtsConfig: [undefined, function (config) {
      if (config && typeof config === "object") {
        Object.keys(config).forEach(function (k) { S.tts[k] = clone(config[k]); });
      }
      record("setTtsConfig", arguments);
    }],
  };
  var $dialer = {};
  Object.keys(dialerMethods).forEach(function (name) {
    var empty = dialerMethods[name][0], impl = dialerMethods[name][1];
    $dialer[name] = function () {
      if (!S) throw new Error("$dialer." + name + " is only available while a request runs");
      if (S.channel !== "phone") {
        if (!S.noticed[name]) {
          S.noticed[name] = true;
          logLine("$dialer." + name + ": not on the phone channel (" + S.channel + "), ignored");
        }
        return clone(empty);
      }
      return impl.apply(null, arguments);
    };
  });
  Object.freeze($dialer);

  // ---- $jsapi, log, bind ------------------------------------------------------------------------
  var $jsapi = {
    context: function () { return G.$context; },
    currentTime: function () { return nowMs(); },
    dateForZone: function (zone, format) {
      var ms = nowMs();
      return formatMs(ms, zoneOffset(zone, ms), javaToMoment(format || "yyyy-MM-dd'T'HH:mm:ss"));
    },
    startSession: function (data) {
      S.other.push({ type: "startSession", data: toRecord(data === undefined ? null : data) });
    },
    stopSession: function () { S.other.push({ type: "stopSession" }); },
    log: function () { log.apply(null, arguments); },
  };
  Object.defineProperty($jsapi, "cailaService", {
    enumerable: false,
    get: function () {
      if (S && !S.noticed.caila) {
        S.noticed.caila = true;
        logLine("$jsapi.cailaService: not available (ringback has no CAILA NLU service)");
      }
      return undefined;
    },
  });

  function log() {
    logLine(Array.prototype.map.call(arguments, show).join(" "));
  }

  function bind(name, fn, path, handlerName) {
    if (typeof fn !== "function") throw new TypeError("bind(" + show(name) + "): not a function");
    (hooks[name] = hooks[name] || []).push({ fn: fn, path: path === undefined ? null : String(path),
      name: handlerName });
  }

  // A hook bound with a path runs only in that state and below it.
  function pathMatches(path, state) {
    if (path === null || path === "" || path === "/") return true;
    state = String(state || "");
    return state === path || state.indexOf(path.replace(/\/$/, "") + "/") === 0;
  }

  // ---- a few lodash helpers -------------------------------------------------------------------
  var _ = {
    random: function (lo, hi, floating) {
      if (hi === undefined) { hi = lo === undefined ? 1 : lo; lo = 0; }
      var x = lo + Math.random() * (hi - lo + (floating ? 0 : 1));
      return floating ? x : Math.min(Math.floor(x), hi);
    },
    sample: function (xs) {
      return xs && xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined;
    },
    shuffle: function (xs) {
      var a = Array.prototype.slice.call(xs || []);
      for (var i = a.length - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1));
        var t = a[i]; a[i] = a[j]; a[j] = t;
      }
      return a;
    },
    isEmpty: function (x) {
      if (x === null || x === undefined) return true;
      if (typeof x === "string" || Array.isArray(x)) return x.length === 0;
      if (typeof x === "object") return Object.keys(x).length === 0;
      return true;
    },
    has: function (obj, path) { return _.get(obj, path, undefined) !== undefined; },
    get: function (obj, path, fallback) {
      var keys = Array.isArray(path) ? path : String(path).replace(/\[(\w+)\]/g, ".$1").split(".");
      for (var i = 0; i < keys.length; i++) {
        if (obj === null || obj === undefined) return fallback;
        obj = obj[keys[i]];
      }
      return obj === undefined ? fallback : obj;
    },
    includes: function (xs, x) {
      if (typeof xs === "string") return xs.indexOf(x) >= 0;
      return Array.isArray(xs) ? xs.indexOf(x) >= 0 : Object.values(xs || {}).indexOf(x) >= 0;
    },
  };

  // ---- the Python side ------------------------------------------------------------------------
  function define(name, value) {
    Object.defineProperty(G, name, { value: value, writable: false, enumerable: false,
      configurable: false });
  }
  define("$reactions", $reactions);
  define("$dialer", $dialer);
  define("$jsapi", $jsapi);
  define("$http", $http);
  define("log", log);
  define("bind", bind);
  G.moment = moment;
  G._ = _;
  G.console = { log: log, info: log, warn: log, error: log, debug: log };
  G.$global = globalObject;
  // Placeholders so that init: code touching them at load time does not fail; begin() replaces
  // them. $injector is set by the engine from chatbot.yaml before any init: code runs.
  G.$session = {}; G.$client = {}; G.$temp = {}; G.$parseTree = {}; G.$request = {};
  G.$response = { replies: [] }; G.$context = {}; G.$injector = {};

  define("__ringback", {
    setRedialReasons: function (table) { redialReasons = table; },

    begin: function (data) {
      begun = false;
      S = fresh();
      S.now = data.now;
      S.channel = String((data.dialer && data.dialer.channel) || "text");
      S.dialer = data.dialer || {};
      S.httpMocks = data.httpMocks || [];
      S.random = data.randomSeed === null || data.randomSeed === undefined ? null
        : seeded(data.randomSeed);
      S.tts = clone(S.dialer.ttsConfig || {});
      S.clientBefore = JSON.stringify(data.client);
      if (!G.$global || typeof G.$global !== "object") G.$global = {};
      Object.assign(G.$global, data.global);
      G.$session = data.session;
      G.$client = data.client;
      G.$temp = data.temp;
      G.$parseTree = data.parseTree;
      G.$request = data.request;
      G.$response = { replies: [] };
      G.$injector = data.injector;
      G.$context = Object.assign({}, data.context, {
        session: G.$session, client: G.$client, temp: G.$temp, parseTree: G.$parseTree,
        request: G.$request, response: G.$response, injector: G.$injector,
      });
      begun = true;
    },

    addReply: function (reply) { replies().push(reply); },

    define: function (id, fn) { blocks[id] = fn; },
    forget: function () { blocks = {}; },
    run: function (id) { return blocks[id].call(G); },
    mark: function (step) { marked = step; },
    marked: function () { return marked; },
    begun: function () { return begun; },

    str: function (value) {
      return value === undefined || value === null ? "" : typeof value === "string" ? value
        : String(value);
    },

    runHooks: function (name) {
      var state = G.$context && G.$context.currentState;
      (hooks[name] || []).forEach(function (h) {
        if (pathMatches(h.path, state)) h.fn(G.$context);
      });
    },

    hookNames: function () {
      return Object.keys(hooks).filter(function (k) { return hooks[k].length > 0; });
    },

    end: function () {
      var state = S || fresh();
      var response = G.$response && typeof G.$response === "object" ? G.$response : {};
      var all = Array.isArray(response.replies) ? response.replies : [];
      var answers = [], buttons = [], other = [];
      all.forEach(function (r) {
        if (r && r.type === "text") answers.push(String(r.text));
        else if (r && (r.type === "buttons" || r.type === "inlineButtons")) {
          buttons = buttons.concat(r.buttons || []);
        } else other.push(r);
      });
      var client = G.$client === undefined ? null : G.$client;
      var out = JSON.stringify({
        session: G.$session === undefined ? null : G.$session,
        client: client,
        temp: G.$temp === undefined ? null : G.$temp,
        response: response,
        global: G.$global === undefined ? null : G.$global,
        answers: answers, buttons: buttons, other: other.concat(state.other),
        transition: state.transition,
        dialerCalls: state.dialerCalls,
        logs: state.logs,
        clientTouched: JSON.stringify(client) !== state.clientBefore,
      });
      S = null;
      begun = false;
      return out;
    },
  });
})(globalThis);
