// rolesite search: tasks, headings, vendors and pages as you type. No library, no network:
// the index (made by src/search.rs) is loaded by <script> elements, which works from a file
// share too, where fetch() cannot read files: assets/search-index.js on first use (the
// vendors, the lost ranges, the numbers of shards), then for each query only the shards it
// needs: assets/search/t<k>.js for its terms (k is a hash of the term), then
// assets/search/d<k>.js for the documents they lead to.
//
// Text and queries meet in one form: NFKC (full and half width become one), lower case.
// Runs of letters and digits are cut into index terms exactly as src/search.rs cuts them:
// an ASCII run whole, any other run as character bigrams (a lone character as itself).
// Every query word must be found (AND). Results rank a 項番 first (its item, or the range
// the source lost it in), then a name (or a vendor's short name) that is the whole query,
// then one that starts with it; then by field (name above vendors above description) and
// by how close the words stand.
(function () {
  'use strict';

  var form = document.getElementById('site-search');
  if (!form) return;
  var input = document.getElementById('search-input');
  var list = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var root = form.getAttribute('data-root') || '';
  var MAX = 20;
  var KIND = { t: '作業', h: '見出し', v: '事業者', p: 'ページ', l: '欠落' };
  var NONE = '一致する作業はありません';

  var index = null;
  var lost = [];
  var decoded = {};
  // The shards loaded, by number, and the callbacks waiting for a shard being loaded.
  var termParts = {};
  var docParts = {};
  var loadingParts = {};
  var normal = [];
  var loading = false;
  // What to do once the index is there: loading takes a while on a large table, and what
  // the reader typed or chose meanwhile must not be lost.
  var waiting = [];
  var active = -1;
  var shown = [];
  // The query `shown` answers: Enter opens the chosen result only if it answers what is
  // in the box (a keystroke may still be waiting for its debounce).
  var answered = null;
  var timer = 0;

  var WORD = /[\p{Alphabetic}\p{N}]/u;
  // How src/search.rs marks the terms of a name (see name_marks there).
  var MARK = /^[.^$]/;

  function norm(s) {
    return s.normalize('NFKC').toLowerCase();
  }

  function ascii(c) {
    return c.charCodeAt(0) < 128;
  }

  // The same cut as search::terms in src/search.rs.
  function terms(text) {
    var out = [];
    var run = [];
    function flush() {
      if (!run.length) return;
      if (ascii(run[0])) out.push(run.join(''));
      else if (run.length === 1) out.push(run[0]);
      else for (var i = 0; i + 1 < run.length; i++) out.push(run[i] + run[i + 1]);
      run = [];
    }
    for (var c of norm(text)) {
      if (!WORD.test(c)) {
        flush();
      } else {
        if (run.length && ascii(run[run.length - 1]) !== ascii(c)) flush();
        run.push(c);
      }
    }
    flush();
    return out;
  }

  // One character that is not ASCII is found through every bigram holding it, in any
  // shard; any other term is stored whole, in the shard of its hash.
  function lone(term) {
    return !ascii(term) && Array.from(term).length === 1;
  }

  // The term shard holding a term: FNV-1a over its characters, as search::shard_of. A
  // name's mark of a term (`.term`, `^term`, `$term`) is in the term's shard.
  function shardOf(term) {
    if (MARK.test(term)) term = term.slice(1);
    var h = 0x811c9dc5;
    for (var c of term) h = Math.imul(h ^ c.codePointAt(0), 0x01000193) >>> 0;
    return h & (index.terms - 1);
  }

  // Document ids holding a term, from the loaded shards: postings are stored as
  // differences, a run of consecutive ids as one negative number.
  function postings(term) {
    if (decoded[term]) return decoded[term];
    var ids = [];
    var stored = !lone(term) && (termParts[shardOf(term)] || {})[term];
    if (stored) {
      var id = 0;
      for (var i = 0; i < stored.length; i++) {
        if (stored[i] >= 0) ids.push((id += stored[i]));
        else for (var k = stored[i]; k < 0; k++) ids.push(++id);
      }
    } else if (lone(term)) {
      var seen = new Set();
      for (var k in termParts) {
        for (var key in termParts[k]) {
          if (!MARK.test(key) && key.indexOf(term) >= 0) postings(key).forEach(function (d) { seen.add(d); });
        }
      }
      ids = Array.from(seen).sort(function (a, b) { return a - b; });
    }
    decoded[term] = ids;
    return ids;
  }

  // A document by id: the vendors' are in search-index.js, the rows' and pages' in the
  // document shards, the lost ranges' after them in search-index.js again.
  function doc(id) {
    var head = index.head.length;
    if (id < head) return index.head[id];
    if (id >= index.n) return index.lost[id - index.n];
    var part = docParts[Math.floor((id - head) / index.size)];
    return part && part[(id - head) % index.size];
  }

  function intersect(a, b) {
    var out = [];
    for (var i = 0, j = 0; i < a.length && j < b.length;) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; }
      else if (a[i] < b[j]) i++;
      else j++;
    }
    return out;
  }

  // A document is [kind, 項番, name, others, description, url] (see src/search.rs):
  // `others` lists a row's vendors by document position, or is a vendor's other spellings;
  // a vendor's description is its short name. A range of 項番 the source lost is
  // ['l', from, what the source holds there, to], found by number only.
  function others(d) {
    if (!Array.isArray(d[3])) return d[3];
    return d[3].map(function (i) {
      var v = doc(i);
      return v[4] && v[4] !== v[2] ? v[2] + ' ' + v[4] : v[2];
    }).join(' ');
  }

  // A result's page; a lost range's is the page of the 項番 asked for.
  function url(id, no) {
    var d = doc(id);
    if (d[0] === 'l') return 'items/' + no + '/';
    if (d[5]) return d[5];
    return (d[0] === 'h' ? 'phases/' : 'items/') + d[1] + '/';
  }

  function fields(id) {
    if (!normal[id]) {
      var d = doc(id);
      var vendor = d[0] === 'v';
      normal[id] = {
        t: norm(d[2]),
        s: vendor ? norm(d[4]) : '',
        v: norm(others(d)),
        d: vendor ? '' : norm(d[4]),
        n: d[1] ? String(d[1]) : ''
      };
    }
    return normal[id];
  }

  // A word in a name: at its start, or elsewhere (0 when not there).
  function named(text, w) {
    var at = text.indexOf(w);
    return at < 0 ? 0 : at === 0 ? 12 : 10;
  }

  // How a name meets the whole query: 2 it is the query, 1 it starts with it.
  function whole(text, q) {
    return !text ? 0 : text === q ? 2 : text.indexOf(q) === 0 ? 1 : 0;
  }

  // How close the words stand in one field: 1 when adjacent, less with distance, 0 when
  // some word is not there.
  function closeness(text, words) {
    if (words.length < 2) return 0;
    var lo = Infinity, hi = -1, len = 0;
    for (var i = 0; i < words.length; i++) {
      var at = text.indexOf(words[i]);
      if (at < 0) return 0;
      lo = Math.min(lo, at);
      hi = Math.max(hi, at + words[i].length);
      len += words[i].length;
    }
    return 1 / (1 + Math.max(0, hi - lo - len) / 4);
  }

  // A query's words, normalised; a 項番 (`704`, `項番704`) is one word and `number`.
  function parse(query) {
    var q = norm(query).trim();
    var number = /^(?:項番)?\s*(\d+)$/.exec(q);
    return { q: q, number: number, words: number ? [number[1]] : q.split(/\s+/).filter(Boolean) };
  }

  // The lost range holding a 項番, as a result, or nothing.
  function lostRange(no) {
    for (var i = 0; i < lost.length; i++) {
      var d = doc(lost[i]);
      if (d[1] <= no && no <= d[3]) return { id: lost[i], rank: 3, score: 0, no: no };
    }
    return null;
  }

  // The terms of a query's words.
  function queryTerms(words) {
    var out = [];
    words.forEach(function (w) { out.push.apply(out, terms(w)); });
    return out;
  }

  // The documents holding every term of the query (null for a query without terms).
  function candidatesOf(words) {
    var candidates = null;
    queryTerms(words).forEach(function (t) {
      var ids = postings(t);
      candidates = candidates ? intersect(candidates, ids) : ids;
    });
    return candidates;
  }

  // A document's result for a parsed query, {id, rank, score}, or nothing when some word is
  // in none of its fields.
  function scored(id, parsed) {
    var f = fields(id);
    var words = parsed.words;
    var number = parsed.number;
    var score = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      var best = Math.max(named(f.t, w), named(f.s, w));
      if (f.n === w) best = Math.max(best, 8);
      if (best < 4 && f.v.indexOf(w) >= 0) best = 4;
      if (best < 2 && f.d.indexOf(w) >= 0) best = 2;
      if (!best) return null;
      score += best;
    }
    score += 3 * Math.max(closeness(f.t, words), closeness(f.d, words) / 2);
    var rank = number && f.n === number[1] ? 3 : Math.max(whole(f.t, parsed.q), whole(f.s, parsed.q));
    return { id: id, rank: rank, score: score };
  }

  // Ranked results for a query: [{id, rank, score, no}], best first. `rank` is 3 for the
  // 項番 asked for, 2 for a name that is the query, 1 for one that starts with it. The
  // shards the query needs must be loaded (see `find`).
  //
  // With the names marked (large tables), `find` loads only the documents that may rank
  // among the first MAX; the others found are counted in `total` but not ranked, and
  // `exact` is false.
  function search(query) {
    var parsed = parse(query);
    var number = parsed.number;
    var gap = number && lostRange(Number(number[1]));
    var candidates = candidatesOf(parsed.words);
    if (!candidates) return [];
    var results = gap ? [gap] : [];
    var unread = 0;
    candidates.forEach(function (id) {
      if (!doc(id)) return unread++;
      var r = scored(id, parsed);
      if (r) results.push(r);
    });
    results.sort(function (a, b) {
      return b.rank - a.rank || b.score - a.score ||
        (doc(a.id)[1] || 1e9) - (doc(b.id)[1] || 1e9) || a.id - b.id;
    });
    results.total = results.length + unread;
    results.exact = !unread;
    return results;
  }

  // `text` as DOM nodes with each query word marked. Matching is done on the normalised
  // text; each original character's normal form is kept to map the marks back.
  function marked(text, words) {
    var chars = Array.from(text);
    var flat = '';
    var owner = [];
    chars.forEach(function (c, i) {
      var n = norm(c);
      flat += n;
      for (var k = 0; k < n.length; k++) owner.push(i);
    });
    var on = new Array(chars.length).fill(false);
    words.forEach(function (w) {
      if (!w) return;
      for (var at = flat.indexOf(w); at >= 0; at = flat.indexOf(w, at + w.length)) {
        for (var k = at; k < at + w.length; k++) on[owner[k]] = true;
      }
    });
    var frag = document.createDocumentFragment();
    var i = 0;
    while (i < chars.length) {
      var j = i;
      while (j < chars.length && on[j] === on[i]) j++;
      var part = document.createTextNode(chars.slice(i, j).join(''));
      if (on[i]) {
        var m = document.createElement('mark');
        m.appendChild(part);
        frag.appendChild(m);
      } else {
        frag.appendChild(part);
      }
      i = j;
    }
    return frag;
  }

  // A short piece of the description around the first word found in it.
  function snippet(text, words) {
    var n = norm(text);
    for (var i = 0; i < words.length; i++) {
      var at = n.indexOf(words[i]);
      if (at >= 0) {
        var chars = Array.from(text);
        var start = Math.max(0, Array.from(n.slice(0, at)).length - 12);
        var piece = chars.slice(start, start + 40).join('');
        return (start > 0 ? '…' : '') + piece + (start + 40 < chars.length ? '…' : '');
      }
    }
    return '';
  }

  function part(tag, className, content) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.appendChild(typeof content === 'string' ? document.createTextNode(content) : content);
    return el;
  }

  // One result as an option of the listbox: kind, 項番, name, and where the words were
  // found when not in the name.
  function option(r, i, words) {
    var d = doc(r.id);
    var li = document.createElement('li');
    li.id = 'search-result-' + i;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    var a = document.createElement('a');
    a.href = root + url(r.id, r.no) + 'index.html';
    a.tabIndex = -1;
    a.appendChild(part('span', 'kind', KIND[d[0]] || ''));
    if (d[0] === 'l') {
      a.appendChild(part('span', 'no', marked('項番' + r.no, words)));
      a.appendChild(part('span', 'name', 'は原本で失われた範囲(' + d[1] + '–' + d[3] + ')にあります'));
      a.appendChild(part('small', '', d[2]));
    } else {
      if (d[1]) a.appendChild(part('span', 'no', marked('項番' + d[1], words)));
      a.appendChild(part('span', 'name', marked(d[2], words)));
      var f = fields(r.id);
      if (!words.every(function (w) { return f.t.indexOf(w) >= 0 || f.n === w; })) {
        var more = snippet(d[4], words) || snippet(others(d), words);
        if (more) a.appendChild(part('small', '', marked(more, words)));
      }
    }
    li.appendChild(a);
    li.addEventListener('mousedown', function (e) { e.preventDefault(); });
    return li;
  }

  function show(query) {
    var results = search(query);
    var parsed = parse(query);
    shown = results.slice(0, MAX);
    answered = query;
    list.textContent = '';
    shown.forEach(function (r, i) { list.appendChild(option(r, i, parsed.words)); });
    // Rows of the released revisions, after the working data's, when asked for.
    var older = released(query);
    older.slice(0, MAX).forEach(function (d) {
      list.appendChild(releasedOption(d, shown.length));
      shown.push(d);
    });
    // Not all read (a large table): the number found is the documents holding every term,
    // the most there can be.
    var n = (results.exact === false ? results.total : results.length) + older.length;
    var count = (results.exact === false ? '最大 ' : '') + n + ' 件' +
      (n > shown.length ? '(上位 ' + shown.length + ' 件を表示)' : '');
    open(!!parsed.q, n ? count : NONE, !n);
    select(shown.length ? 0 : -1);
  }

  // The dropdown open or closed, and the status: said to screen readers always, and shown
  // where the results would stand when there are none to show (or none yet).
  function open(on, said, seen) {
    list.hidden = !on || !shown.length;
    input.setAttribute('aria-expanded', list.hidden ? 'false' : 'true');
    status.textContent = on ? said : '';
    status.classList.toggle('seen', on && seen);
  }

  function select(i) {
    if (active >= 0 && list.children[active]) list.children[active].setAttribute('aria-selected', 'false');
    active = i;
    if (i >= 0 && list.children[i]) {
      list.children[i].setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  // The index, loaded once by a <script> element; `then` runs when it is there. Each
  // function waits once however often it is asked for: `refresh` reads the box when it
  // runs, so the query answered is the latest.
  function load(then) {
    if (!index && window.ROLESITE_SEARCH_INDEX) ready();
    if (index) return then && then();
    if (then && waiting.indexOf(then) < 0) waiting.push(then);
    if (loading) return;
    loading = true;
    status.textContent = '索引を読み込んでいます…';
    var s = document.createElement('script');
    s.src = root + 'assets/search-index.js';
    s.onload = function () {
      ready();
      open(false);
      var run = waiting;
      waiting = [];
      run.forEach(function (f) { f(); });
    };
    s.onerror = function () {
      loading = false;
      waiting = [];
      open(true, '検索の索引を読み込めませんでした。', true);
    };
    document.head.appendChild(s);
  }

  // The released revisions (assets/search-revisions.js, made by src/search.rs), loaded
  // only when the box beside the field asks for them: rows whose name holds every word
  // of the query, or whose 項番 is one.
  var withReleased = document.getElementById('search-revisions');
  var releasedRows = null;
  var releasedNames = [];

  function released(query) {
    if (!withReleased || !withReleased.checked || !releasedRows) return [];
    var words = norm(query).replace(/項番/g, ' ').split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    var out = [];
    var docs = releasedRows.docs;
    for (var i = 0; i < docs.length; i++) {
      var name = releasedNames[i] || (releasedNames[i] = norm(docs[i][3]));
      var no = String(docs[i][1]);
      if (words.every(function (w) { return no === w || name.indexOf(w) >= 0; })) out.push(docs[i]);
    }
    return out;
  }

  function releasedOption(d, i) {
    var rev = releasedRows.revs[d[0]];
    var li = document.createElement('li');
    li.id = 'search-result-' + i;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    var a = document.createElement('a');
    a.href = root + 'rev/' + rev[0] + '/' + (d[2] === 'h' ? 'phases/' : 'items/') + d[1] + '/index.html';
    a.tabIndex = -1;
    a.appendChild(part('span', 'kind', rev[1]));
    a.appendChild(part('span', 'no', '項番' + d[1]));
    a.appendChild(part('span', 'name', d[3]));
    li.appendChild(a);
    li.addEventListener('mousedown', function (e) { e.preventDefault(); });
    return li;
  }

  function loadReleased(then) {
    if (window.ROLESITE_REVISIONS) releasedRows = window.ROLESITE_REVISIONS;
    if (releasedRows) return then();
    var s = document.createElement('script');
    s.src = root + 'assets/search-revisions.js';
    s.onload = function () { releasedRows = window.ROLESITE_REVISIONS; then(); };
    s.onerror = function () { open(true, '過去の公開版の一覧を読み込めませんでした。', true); };
    document.head.appendChild(s);
  }

  if (withReleased) {
    withReleased.addEventListener('change', function () {
      var again = function () {
        var query = input.value;
        if (!index || !query.trim()) return;
        find(query, function () { if (input.value === query) { show(query); input.focus(); } });
      };
      if (withReleased.checked) loadReleased(again);
      else again();
    });
  }

  // The lost ranges are few and asked for by number only: found once, not through terms.
  function ready() {
    index = window.ROLESITE_SEARCH_INDEX;
    lost = index.lost.map(function (d, i) { return index.n + i; });
  }

  // A shard calls this as it loads.
  window.ROLESITE_SEARCH_PART = function (kind, k, data) {
    (kind === 't' ? termParts : docParts)[k] = data;
  };

  // Loads the shards named ('t3', 'd0'…) that are not loaded yet, then runs `then`; each
  // is asked for once however many queries wait for it.
  function parts(names, then) {
    var missing = names.filter(function (name) {
      return !(name[0] === 't' ? termParts : docParts)[name.slice(1)];
    });
    var left = missing.length;
    if (!left) return then();
    missing.forEach(function (name) {
      var done = function () { if (--left === 0) then(); };
      if (loadingParts[name]) return loadingParts[name].push(done);
      loadingParts[name] = [done];
      var s = document.createElement('script');
      s.src = root + 'assets/search/' + name + '.js';
      s.onload = function () {
        var run = loadingParts[name];
        delete loadingParts[name];
        run.forEach(function (f) { f(); });
      };
      s.onerror = function () {
        delete loadingParts[name];
        open(true, '検索の索引を読み込めませんでした。', true);
      };
      document.head.appendChild(s);
    });
  }

  // The shard of a row's or page's document.
  function docShard(id) {
    return Math.floor((id - index.head.length) / index.size);
  }

  // Results sorted as `search` sorts them, a row's 項番 standing for its position: rows
  // follow the vendors in the order of their 項番, and come before vendors and pages.
  function better(a, b) {
    return b.rank - a.rank || b.score - a.score || tie(a.id) - tie(b.id);
  }

  function tie(id) {
    var head = index.head.length;
    return id >= head && id < head + index.rows ? id : 1e9 + id;
  }

  // The most each document found may rank, {id, rank, score}, from the marks of its name
  // (src/search.rs, name_marks) before it is read: a word may be in the name only if each
  // of its terms is marked there, the name may start with it only if its first term is
  // marked first, and be the whole query only if the query's last term is marked last.
  // An ASCII term may stand inside a longer one, so it is taken to be anywhere. A document
  // read already has its exact result (or none).
  function bounds(parsed, candidates) {
    var sets = {};
    var has = function (mark, term, id) {
      if (!sets[mark + term]) sets[mark + term] = new Set(postings(mark + term));
      return sets[mark + term].has(id);
    };
    var starts = function (term, id) { return term === undefined || ascii(term) || has('^', term, id); };
    var plan = parsed.words.map(function (w) {
      var ts = terms(w);
      return { terms: ts.filter(function (t) { return !ascii(t); }), first: ts[0], numeric: /^\d+$/.test(w) };
    });
    var all = terms(parsed.q);
    // Words standing close add at most 3 in the name (side by side), half as much in the
    // description. Two words side by side in a name leave the bigram across them marked
    // there; without it, at least one character stands between them, and they add at
    // most 3 × 0.8, computed as `closeness` computes it.
    var near = parsed.words.length > 1 ? 3 : 0;
    var apart = 3 * (1 / (1 + 1 / 4));
    var across = acrossWords(parsed.words);
    return candidates.map(function (id) {
      if (doc(id)) return scored(id, parsed);
      var score = 0;
      var everyNamed = true;
      plan.forEach(function (p) {
        var named = p.terms.every(function (t) { return has('.', t, id); });
        everyNamed = everyNamed && named;
        score += named ? (starts(p.first, id) ? 12 : 10) : p.numeric ? 8 : 4;
      });
      var adjacent = !across || across.some(function (t) { return has('.', t, id); });
      score += !near ? 0 : !everyNamed ? near / 2 : adjacent ? near : apart;
      var last = all[all.length - 1];
      var rank = !everyNamed || !starts(all[0], id) ? 0 : last === undefined || has('$', last, id) ? 2 : 1;
      return { id: id, rank: rank, score: score };
    }).filter(Boolean);
  }

  // The bigrams across two of `words` set side by side (the last character of one and the
  // first of another, either order), or null when that cannot decide whether they stand
  // apart: a word may overlap another (a suffix of one the start of another), or the two
  // characters would not make one bigram (ASCII, or not a letter or digit).
  function acrossWords(words) {
    if (words.length < 2) return [];
    var out = [];
    for (var i = 0; i < words.length; i++) {
      for (var j = 0; j < words.length; j++) {
        if (i === j) continue;
        var a = Array.from(words[i]), b = Array.from(words[j]);
        var x = a[a.length - 1], y = b[0];
        if (overlap(words[i], words[j]) || ascii(x) || ascii(y) || !WORD.test(x) || !WORD.test(y)) return null;
        out.push(x + y);
      }
    }
    return out;
  }

  // Whether `a` and `b` can stand overlapping: one holds the other, or an end of `a` is a
  // start of `b`.
  function overlap(a, b) {
    if (a.indexOf(b) >= 0 || b.indexOf(a) >= 0) return true;
    for (var k = 1; k < Math.min(a.length, b.length); k++) {
      if (a.slice(a.length - k) === b.slice(0, k)) return true;
    }
    return false;
  }

  // Reads the documents found that may rank among the first MAX, best bound first, a few
  // shards at a time, until the MAXth result read is sure to stay where it is (every
  // document not read has a bound below it); then runs `then`.
  function settle(parsed, candidates, then) {
    var order = bounds(parsed, candidates).sort(better);
    var best = [];
    var i = 0;
    (function step() {
      for (; i < order.length; i++) {
        var b = order[i];
        if (best.length >= MAX && better(best[MAX - 1], b) < 0) break;
        if (!doc(b.id)) {
          // A shard read that lacks the document (it cannot, but must not loop) skips it.
          if (docParts[docShard(b.id)]) continue;
          return parts(nextShards(order, i), step);
        }
        var r = scored(b.id, parsed);
        if (r) {
          best.push(r);
          best.sort(better);
          best.length = Math.min(best.length, MAX);
        }
      }
      then();
    })();
  }

  // The shards of the next MAX documents of `order` not read yet, from `from` on.
  function nextShards(order, from) {
    var names = {};
    for (var j = from, k = 0; j < order.length && k < MAX; j++) {
      if (!doc(order[j].id)) {
        names['d' + docShard(order[j].id)] = 1;
        k++;
      }
    }
    return Object.keys(names);
  }

  function range(n, prefix) {
    var out = [];
    for (var k = 0; k < n; k++) out.push(prefix + k);
    return out;
  }

  // Loads what a query needs, then runs `then`: the shards of its terms (all of them for a
  // lone character), then the shards of the documents holding every term.
  function find(query, then) {
    load(function () {
      var words = parse(query).words;
      var shards = {};
      queryTerms(words).forEach(function (t) {
        if (lone(t)) range(index.terms, 't').forEach(function (name) { shards[name] = 1; });
        else shards['t' + shardOf(t)] = 1;
      });
      // With names marked, the marks of the bigrams across the words too (see `bounds`).
      if (index.marked) (acrossWords(words) || []).forEach(function (t) { shards['t' + shardOf(t)] = 1; });
      parts(Object.keys(shards), function () {
        var parsed = parse(query);
        var candidates = candidatesOf(words) || [];
        // With names marked, only what may show first is read; a 項番 or a lone character
        // finds what it finds without them.
        var ranked = index.marked && !parsed.number && !queryTerms(words).some(lone);
        if (ranked && candidates.length > MAX) return settle(parsed, candidates, then);
        var docs = {};
        var head = index.head.length;
        candidates.forEach(function (id) {
          if (id >= head && id < index.n) docs['d' + docShard(id)] = 1;
        });
        parts(Object.keys(docs), then);
      });
    });
  }

  // Every shard, for the tests: a query then finds what it would with one whole index.
  function everything(then) {
    load(function () { parts(range(index.terms, 't').concat(range(index.docs, 'd')), then); });
  }

  // The results of what is in the box, as soon as what it needs of the index is there.
  function refresh() {
    // Not for a reader who has left the box meanwhile.
    if (document.activeElement !== input) return;
    var query = input.value;
    if (!index) open(!!query.trim(), '索引を読み込んでいます…', true);
    find(query, function () {
      if (document.activeElement === input && input.value === query) show(query);
    });
  }

  // Enter: the result chosen, if the list answers what is in the box; else the first
  // result of what is there.
  function go() {
    var query = input.value;
    find(query, function () {
      if (input.value !== query) return;
      if (answered !== query) {
        clearTimeout(timer);
        show(query);
      }
      if (active >= 0) location.href = list.children[active].firstChild.href;
    });
  }

  // While an input method composes (kana on the way to kanji), the box holds no query yet.
  input.addEventListener('input', function (e) {
    clearTimeout(timer);
    if (e.isComposing) return;
    timer = setTimeout(refresh, 30);
  });
  input.addEventListener('compositionend', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 30);
  });
  // Loading starts on focus, before the first keystroke; back in the box, the results of
  // what it holds are shown again.
  input.addEventListener('focus', function () { load(input.value.trim() ? refresh : null); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!shown.length) return;
      var step = e.key === 'ArrowDown' ? 1 : -1;
      select((active + step + shown.length) % shown.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      go();
    } else if (e.key === 'Escape') {
      open(false);
    }
  });
  input.addEventListener('blur', function () {
    setTimeout(function () { open(false); }, 150);
  });
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
  form.hidden = false;

  // For the tests and the timing in README.
  window.ROLESITE_SEARCH = {
    search: search, show: show, terms: terms, load: load, url: url, find: find, everything: everything
  };
})();
