// rolesite search: tasks, headings, vendors and pages as you type. No library, no network:
// the index (assets/search-index.js, made by src/search.rs) is loaded by a <script> element
// on first use, which works from a file share too, where fetch() cannot read files.
//
// Text and queries meet in one form: NFKC (full and half width become one), lower case.
// Runs of letters and digits are cut into index terms exactly as src/search.rs cuts them:
// an ASCII run whole, any other run as character bigrams (a lone character as itself).
// Every query word must be found (AND); results rank by field (name above vendors above
// description), by how close the words stand, and a 項番 goes straight to its item.
(function () {
  'use strict';

  var form = document.getElementById('site-search');
  if (!form) return;
  var input = document.getElementById('search-input');
  var list = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var root = form.getAttribute('data-root') || '';
  var MAX = 20;
  var KIND = { t: '作業', h: '見出し', v: '事業者', p: 'ページ' };

  var index = null;
  var decoded = {};
  var normal = [];
  var loading = false;
  var active = -1;
  var shown = [];
  var timer = 0;

  var WORD = /[\p{Alphabetic}\p{N}]/u;

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

  // Document ids holding a term: postings are stored as differences.
  function postings(term) {
    if (decoded[term]) return decoded[term];
    var ids = [];
    var stored = index.terms[term];
    if (stored) {
      var id = 0;
      for (var i = 0; i < stored.length; i++) ids.push((id += stored[i]));
    } else if (!ascii(term) && Array.from(term).length === 1) {
      // One character: every document with a bigram holding it.
      var seen = new Set();
      for (var key in index.terms) {
        if (key.indexOf(term) >= 0) postings(key).forEach(function (d) { seen.add(d); });
      }
      ids = Array.from(seen).sort(function (a, b) { return a - b; });
    }
    decoded[term] = ids;
    return ids;
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
  // `others` lists a row's vendors by document position, or is a vendor's other spellings.
  function others(d) {
    return Array.isArray(d[3]) ? d[3].map(function (i) { return index.docs[i][2]; }).join(' ') : d[3];
  }

  function url(id) {
    var d = index.docs[id];
    if (d[5]) return d[5];
    return (d[0] === 'h' ? 'phases/' : 'items/') + d[1] + '/';
  }

  function fields(id) {
    if (!normal[id]) {
      var d = index.docs[id];
      normal[id] = { t: norm(d[2]), v: norm(others(d)), d: norm(d[4]), n: d[1] ? String(d[1]) : '' };
    }
    return normal[id];
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

  // Ranked results for a query: [{id, score}], best first.
  function search(query) {
    var parsed = parse(query);
    var number = parsed.number;
    var words = parsed.words;
    var candidates = null;
    words.forEach(function (w) {
      terms(w).forEach(function (t) {
        var ids = postings(t);
        candidates = candidates ? intersect(candidates, ids) : ids;
      });
    });
    if (!candidates) return [];
    var results = [];
    candidates.forEach(function (id) {
      var f = fields(id);
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        var best = 0;
        var at = f.t.indexOf(w);
        if (at >= 0) best = at === 0 ? 12 : 10;
        if (f.n === w) best = Math.max(best, 8);
        if (best < 4 && f.v.indexOf(w) >= 0) best = 4;
        if (best < 2 && f.d.indexOf(w) >= 0) best = 2;
        if (!best) return;
        score += best;
      }
      score += 3 * Math.max(closeness(f.t, words), closeness(f.d, words) / 2);
      if (number && f.n === number[1]) score += 100;
      results.push({ id: id, score: score });
    });
    results.sort(function (a, b) {
      return b.score - a.score || (index.docs[a.id][1] || 1e9) - (index.docs[b.id][1] || 1e9) || a.id - b.id;
    });
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

  function show(query) {
    var results = search(query);
    var parsed = parse(query);
    var q = parsed.q;
    var words = parsed.words;
    shown = results.slice(0, MAX);
    list.textContent = '';
    shown.forEach(function (r, i) {
      var d = index.docs[r.id];
      var li = document.createElement('li');
      li.id = 'search-result-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      var a = document.createElement('a');
      a.href = root + url(r.id) + 'index.html';
      a.tabIndex = -1;
      var kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = KIND[d[0]] || '';
      a.appendChild(kind);
      if (d[1]) {
        var no = document.createElement('span');
        no.className = 'no';
        no.appendChild(marked('項番' + d[1], words));
        a.appendChild(no);
      }
      var name = document.createElement('span');
      name.className = 'name';
      name.appendChild(marked(d[2], words));
      a.appendChild(name);
      var f = fields(r.id);
      if (!words.every(function (w) { return f.t.indexOf(w) >= 0 || f.n === w; })) {
        var more = snippet(d[4], words) || snippet(others(d), words);
        if (more) {
          var small = document.createElement('small');
          small.appendChild(marked(more, words));
          a.appendChild(small);
        }
      }
      li.appendChild(a);
      li.addEventListener('mousedown', function (e) { e.preventDefault(); });
      list.appendChild(li);
    });
    list.hidden = !q;
    input.setAttribute('aria-expanded', q ? 'true' : 'false');
    status.textContent = q ? (results.length ? results.length + ' 件' + (results.length > MAX ? '(上位 ' + MAX + ' 件を表示)' : '') : '見つかりません') : '';
    select(shown.length ? 0 : -1);
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

  function load(then) {
    if (index) return then();
    if (window.ROLESITE_SEARCH_INDEX) {
      index = window.ROLESITE_SEARCH_INDEX;
      return then();
    }
    if (loading) return;
    loading = true;
    status.textContent = '索引を読み込んでいます…';
    var s = document.createElement('script');
    s.src = root + 'assets/search-index.js';
    s.onload = function () {
      index = window.ROLESITE_SEARCH_INDEX;
      status.textContent = '';
      then();
    };
    s.onerror = function () {
      loading = false;
      status.textContent = '検索の索引を読み込めませんでした。';
    };
    document.head.appendChild(s);
  }

  function update() {
    load(function () { show(input.value); });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 30);
  });
  input.addEventListener('focus', function () { load(function () {}); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!shown.length) return;
      var step = e.key === 'ArrowDown' ? 1 : -1;
      select((active + step + shown.length) % shown.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      load(function () {
        show(input.value);
        if (active >= 0) location.href = list.children[active].firstChild.href;
      });
    } else if (e.key === 'Escape') {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    }
  });
  input.addEventListener('blur', function () {
    setTimeout(function () {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    }, 150);
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
  window.ROLESITE_SEARCH = { search: search, show: show, terms: terms, load: load, url: url };
})();
