//! The search index: every task, heading, vendor and narrative page, shipped as a script
//! (`assets/search-index.js`) that a `<script>` element loads, so search works opened from
//! a file share, where `fetch()` cannot read files. `themes/default/static/search.js` asks it.
//!
//! Japanese has no spaces between words, so the index does not look for words: text is
//! NFKC-normalised (full and half width become one) and lower-cased, then cut into runs of
//! letters and digits. An ASCII run is one term (`lan`, `704`); any other run gives its
//! character bigrams (`ウイルス` → `ウイ`, `イル`, `ルス`), or the character itself when the
//! run is one character long. A query is cut the same way, and a document must hold every
//! term; the script then checks each query word as a substring of the normalised text and
//! ranks by field and by how close the words stand.

use crate::model::Table;
use crate::pages::ContentPage;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

pub const FILE: &str = crate::urls::SEARCH_INDEX;

/// The form every text and query is compared in: NFKC, lower case.
pub fn normalize(text: &str) -> String {
    crate::read::text::nfkc(text).to_lowercase()
}

/// The index terms of a text: ASCII words whole, other runs as bigrams (a lone character
/// as itself). Duplicates are kept; the builder drops them.
pub fn terms(text: &str) -> Vec<String> {
    let text = normalize(text);
    let mut out = Vec::new();
    push_terms(&text, &mut out);
    out.into_iter().map(str::to_string).collect()
}

/// The terms of an already normalised text, as slices of it: a bigram is two neighbouring
/// characters, so it needs no string of its own.
fn push_terms<'t>(text: &'t str, out: &mut Vec<&'t str>) {
    // Byte offsets of the current run's characters, and the run's end.
    let mut starts: Vec<usize> = Vec::new();
    let mut end = 0;
    let mut flush = |starts: &mut Vec<usize>, end: usize| {
        match starts.as_slice() {
            [] => {}
            [first, ..] if text.as_bytes()[*first].is_ascii() => out.push(&text[*first..end]),
            [only] => out.push(&text[*only..end]),
            run => {
                let ends = run[1..].iter().copied().chain([end]);
                out.extend(run.iter().zip(ends.skip(1)).map(|(&a, b)| &text[a..b]));
            }
        }
        starts.clear();
    };
    for (at, c) in text.char_indices() {
        if !c.is_alphanumeric() {
            flush(&mut starts, end);
            continue;
        }
        let ascii_before = starts.first().map(|&s| text.as_bytes()[s].is_ascii());
        if ascii_before.is_some_and(|a| a != c.is_ascii()) {
            flush(&mut starts, end);
        }
        starts.push(at);
        end = at + c.len_utf8();
    }
    flush(&mut starts, end);
}

/// One searchable page, as a compact array the script reads by position:
/// `[kind, 項番, name, others, description, url]`. Kind is `t` task, `h` heading, `v` vendor,
/// `p` narrative page. `others` is, for a task or heading, the positions of its vendors'
/// documents (their names and short names are searched with it, without being repeated in
/// every row), and for a vendor, its other spellings. A vendor's description is its short
/// name, the matrix's column label, which the script ranks as a name. A task's or heading's
/// URL follows from its 項番, so only vendors and pages carry one.
///
/// After them come the ranges of 項番 the source lost (see [`Lost`]).
#[derive(Serialize)]
struct Doc<'a>(&'static str, u32, &'a str, Others, &'a str, &'a str);

/// A range of 項番 the source lost, each of which has a page (`items/N/`):
/// `["l", from, what the source holds there, to]`. One document for the range, not one per
/// number: the script finds it by the number asked for, and holds no terms for it.
#[derive(Serialize)]
struct Lost<'a>(&'static str, u32, &'a str, u32);

#[derive(Serialize)]
#[serde(untagged)]
enum Others {
    Vendors(Vec<usize>),
    Text(String),
}

/// A narrative page's text without its markup, for the index: its text as a browser reads
/// it (entities decoded, `&nbsp;` too), without what a script, style, template or frame
/// holds, which no reader sees.
fn plain(html: &str) -> String {
    let fragment = crate::pages::parse_fragment(html);
    let mut words = Vec::new();
    for node in fragment.root_element().descendants() {
        let Some(text) = node.value().as_text() else { continue };
        let hidden = node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                matches!(e.name(), "script" | "style" | "template" | "iframe" | "noembed" | "noframes")
            })
        });
        if !hidden {
            words.extend(text.split_whitespace());
        }
    }
    words.join(" ")
}

/// The released revisions' rows as the script that carries them, for a search that
/// includes them (a box beside the search field): each revision's label and name, then
/// each row as `[revision, 項番, kind, name]`. Matched by name and 項番 in the page, as
/// it is loaded only when asked for; the latest revision's rows are the working data's,
/// which the index covers.
/// `revisions` gives each revision's label, name (平成28年5月版) and table, in order.
pub fn revisions_js<'a>(revisions: &[(&'a str, String, &'a crate::model::Frame)]) -> Vec<u8> {
    use std::io::Write;
    // As serde_json writes `{"revs": [[label, name]…], "docs": [[revision, 項番, "h"|"t",
    // name]…]}`, straight into one buffer of about its size: ten revisions of a large
    // table are some 114,000 rows, and the file is kept for the whole build.
    let rows = || revisions.iter().enumerate().flat_map(|(i, (_, _, t))| t.rows().map(move |row| (i, row)));
    let size: usize = rows().map(|(_, row)| row.name.len() + 24).sum();
    let mut out = Vec::with_capacity(size + 64 * revisions.len() + 64);
    let string = |out: &mut Vec<u8>, s: &str| serde_json::to_writer(out, s).expect("a string");
    out.extend_from_slice(b"window.ROLESITE_REVISIONS = {\"revs\":[");
    for (k, (label, edition, _)) in revisions.iter().enumerate() {
        out.extend_from_slice(if k == 0 { b"[" } else { b",[" });
        string(&mut out, label);
        out.push(b',');
        string(&mut out, edition);
        out.push(b']');
    }
    out.extend_from_slice(b"],\"docs\":[");
    for (k, (i, row)) in rows().enumerate() {
        let kind = if row.is_heading() { "h" } else { "t" };
        write!(out, "{}[{i},{},\"{kind}\",", if k == 0 { "" } else { "," }, row.no).expect("written to memory");
        string(&mut out, &row.name);
        out.push(b']');
    }
    out.extend_from_slice(b"]};\n");
    out.shrink_to_fit();
    out
}

/// The index as the scripts that carry it (see [`shards`]), and what the next build can take over from it
/// (`earlier`, the same from the last build, with the positions of the rows changed since,
/// as `plan::changed_rows` found them), made only when the build is kept for the next
/// (`remember`).
pub fn index_js(
    table: &Table,
    content: &[ContentPage],
    earlier: Option<(&IndexMemo, &[usize])>,
    remember: bool,
) -> (Vec<(String, Vec<u8>)>, IndexMemo) {
    // Vendors first, so rows can point at them.
    let vendor_urls: Vec<String> = table.vendors.iter().map(|v| crate::urls::vendor(&v.id)).collect();
    let mut docs: Vec<Doc> = table
        .vendors
        .iter()
        .zip(&vendor_urls)
        .map(|(v, url)| Doc("v", 0, &v.name, Others::Text(v.aliases.join(" ")), &v.short, url))
        .collect();
    let position = |id: &str| table.vendors.iter().position(|v| v.id == id);
    for r in &table.rows {
        let mut vendors: Vec<usize> = Vec::new();
        for &kind in &table.document.legend.kinds {
            for role in r.roles.iter().filter(|x| x.role == kind) {
                if let Some(at) = role.vendor.as_deref().and_then(position).filter(|at| !vendors.contains(at)) {
                    vendors.push(at);
                }
            }
        }
        let kind = if r.is_heading() { "h" } else { "t" };
        docs.push(Doc(kind, r.no, &r.name, Others::Vendors(vendors), &r.description, ""));
    }
    let texts: Vec<String> = content.iter().map(|p| plain(&p.html)).collect();
    for (p, text) in content.iter().zip(&texts) {
        docs.push(Doc("p", 0, &p.title, Others::Text(String::new()), text, &p.url));
    }
    // Each document's text, normalised once; a row's vendors are searched by their names
    // and short names, whose terms are cut once per vendor rather than once per row.
    let vendor_texts: Vec<String> = table
        .vendors
        .iter()
        .map(|v| match v.short == v.name {
            true => normalize(&v.name),
            false => format!("{} {}", normalize(&v.name), normalize(&v.short)),
        })
        .collect();
    let vendor_terms: Vec<Vec<&str>> = vendor_texts
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            push_terms(t, &mut out);
            out
        })
        .collect();
    let marked = names_marked(docs.len() - table.vendors.len());
    // What every row's document takes from the vendors: their places and names; and
    // whether names are marked, which changes every document's terms.
    let vendors = {
        let aliases: Vec<String> = table.vendors.iter().map(|v| v.aliases.join("\n")).collect();
        let count = (table.vendors.len() as u64).to_le_bytes();
        let mut fields: Vec<&[u8]> = vec![&count, if marked { b"marked" } else { b"" }];
        for (d, aliases) in docs.iter().zip(&aliases) {
            fields.extend([d.2.as_bytes(), d.4.as_bytes(), d.5.as_bytes(), aliases.as_bytes()]);
        }
        crate::hash::fields_key(&fields)
    };
    let last = earlier.map(|(m, _)| m).filter(|m| m.vendors == vendors);
    // The documents the last build made as they are now: the vendors', and the rows' that
    // are the same as then at the same place. The others are made below.
    let mut same = vec![false; docs.len()];
    if let (Some(m), Some((_, changed))) = (last, earlier) {
        let rows = table.vendors.len()..table.vendors.len() + table.rows.len();
        same[..rows.end.min(m.docs.len())].fill(true);
        for &i in changed {
            if let Some(same) = same.get_mut(rows.start + i) {
                *same = false;
            }
        }
    }
    // Each other document's own terms, cut from its normalised fields, or taken from the
    // last build when those fields are the same (an edit that moved rows keeps their
    // terms); then its entry in the `docs` array, or the last build's entry when the
    // document is the same: a large table's array is tens of megabytes. The last build's
    // document at the same place is tried first. All of its documents are hashed only when
    // many are to be made, as after rows were added or removed: a few (an edit in place)
    // are made rather than looked for.
    let few = same.iter().filter(|same| !**same).count() <= PATCHED_AT_MOST;
    let known = std::sync::OnceLock::new();
    let known = || known.get_or_init(|| last.filter(|_| !few).map(Known::of).unwrap_or_default());
    let cut: Vec<Option<(u128, Cutting)>> = docs
        .par_iter()
        .enumerate()
        .map(|(at, doc)| {
            if same[at] {
                return None;
            }
            let number = if doc.1 > 0 { doc.1.to_string() } else { String::new() };
            let others = match &doc.3 {
                Others::Text(t) => t.as_str(),
                Others::Vendors(_) => "",
            };
            // A vendor's document is in search-index.js, ranked as it is: its name unmarked.
            let marks = marked && doc.0 != "v";
            let key = crate::hash::fields_key(&[
                doc.2.as_bytes(),
                others.as_bytes(),
                doc.4.as_bytes(),
                number.as_bytes(),
                &[u8::from(marks)],
            ]);
            let here = last.and_then(|m| m.docs.get(at)).filter(|m| m.cut == key).map(|m| &m.own);
            if let Some(kept) = here.or_else(|| known().cuts.get(&key)) {
                return Some((key, Cutting::Kept(Arc::clone(kept))));
            }
            // Fields are normalised one by one, as the script does; a space keeps them apart.
            let name = normalize(doc.2);
            let name_len = if marks { Some(name.len()) } else { None };
            Some((key, Cutting::Text([name, normalize(others), normalize(doc.4), number].join(" "), name_len)))
        })
        .collect();
    let written: Vec<Option<(u128, Arc<str>)>> = docs
        .par_iter()
        .zip(&cut)
        .enumerate()
        .map(|(at, (doc, cut))| {
            let (key, _) = cut.as_ref()?;
            let vendors: &[usize] = match &doc.3 {
                Others::Vendors(v) => v,
                Others::Text(_) => &[],
            };
            // The fields' key, and what else the entry holds: kind, URL, vendors.
            let vendors: Vec<u8> = vendors.iter().flat_map(|v| (*v as u64).to_le_bytes()).collect();
            let entry = crate::hash::fields_key(&[&key.to_le_bytes(), doc.0.as_bytes(), doc.5.as_bytes(), &vendors]);
            let here = last.and_then(|m| m.docs.get(at)).filter(|m| m.entry == entry).map(|m| &m.json);
            Some(match here.or_else(|| known().entries.get(&entry)) {
                Some(json) => (entry, Arc::clone(json)),
                None => (entry, serde_json::to_string(doc).expect("strings and numbers").into()),
            })
        })
        .collect();
    // Terms are numbered once for the session: new ones join the last build's numbering.
    let mut words = earlier.map_or_else(Default::default, |(m, _)| Arc::clone(&m.words));
    let mut number = |terms: Vec<&str>| -> Arc<[u32]> {
        let mut ids: Vec<u32> = terms.into_iter().map(|t| words.id(t)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into()
    };
    let vendor_ids: Vec<Arc<[u32]>> = vendor_terms.into_iter().map(&mut number).collect();
    // Each document as made: its own terms, and all it is found by (its vendors' too).
    let made: Vec<Made> = docs
        .iter()
        .zip(cut)
        .zip(written)
        .enumerate()
        .map(|(at, ((doc, cut), written))| {
            let (Some((cut, cutting)), Some((entry, json))) = (cut, written) else {
                return last.expect("only documents the last build made are the same").docs[at].clone();
            };
            let own = match cutting {
                Cutting::Kept(ids) => ids,
                Cutting::Text(text, name) => {
                    let mut terms = Vec::new();
                    push_terms(&text, &mut terms);
                    let marks = name.map(|len| name_marks(&text[..len])).unwrap_or_default();
                    terms.extend(marks.iter().map(String::as_str));
                    number(terms)
                }
            };
            let all = match &doc.3 {
                Others::Vendors(at) if !at.is_empty() => {
                    let mut all: Vec<u32> = own.to_vec();
                    all.extend(at.iter().filter_map(|i| vendor_ids.get(*i)).flat_map(|v| v.iter().copied()));
                    all.sort_unstable();
                    all.dedup();
                    all.into()
                }
                _ => Arc::clone(&own),
            };
            Made { cut, own, entry, json, all }
        })
        .collect();
    words.sort();
    let (postings, touched) = postings(&made, words.names.len(), last);
    // Each term's entry in the `terms` object, or the last build's when its documents are
    // the same: a large index holds millions of numbers.
    let entry = |t: usize| -> Arc<[u8]> {
        if postings[t].is_empty() {
            return Arc::from([]);
        }
        let mut out = serde_json::to_vec(&*words.names[t]).expect("a string");
        out.push(b':');
        serde_json::to_writer(&mut out, &Deltas(&postings[t])).expect("numbers");
        out.into()
    };
    let entries: Vec<Arc<[u8]>> = match (touched, last) {
        (Some(touched), Some(m)) => {
            let mut entries = m.entries.clone();
            entries.resize(words.names.len(), Arc::from([]));
            touched.into_iter().for_each(|t| entries[t] = entry(t));
            entries
        }
        _ => (0..words.names.len()).into_par_iter().map(entry).collect(),
    };
    let lost: Vec<Vec<u8>> = lost_ranges(table)
        .map(|gap| serde_json::to_vec(&Lost("l", gap.from, &gap.reason, gap.to)).expect("strings and numbers"))
        .collect();
    let files = shards(&made, table.vendors.len(), table.rows.len(), &lost, &words, &entries);
    let memo = match remember {
        true => IndexMemo { words, docs: made, vendors, postings, entries },
        false => IndexMemo::default(),
    };
    (files, memo)
}

/// How many files [`index_js`] makes for `table` and the narrative pages `content`.
pub fn file_count(table: &Table, content: &[ContentPage]) -> usize {
    let lost = lost_ranges(table).count();
    let body = table.rows.len() + content.len();
    1 + term_shards(table.vendors.len() + body + lost) + body.div_ceil(DOCS_PER_SHARD)
}

/// The ranges of 項番 the source lost that have pages: a range too wide to have them is a
/// numbering that skips, not a loss (see `render`).
fn lost_ranges(table: &Table) -> impl Iterator<Item = &crate::model::Gap> {
    table.gaps.iter().filter(|g| g.to - g.from < crate::plan::LOST_PAGES)
}

/// Documents per document shard. Fixed, so that an edit in place changes one shard.
pub const DOCS_PER_SHARD: usize = 256;

/// Whether the names of an index of `docs` rows' and pages' documents are marked (see
/// [`name_marks`]): from four document shards on. Below, a query loads the documents of all
/// it finds, a few shards at most, and the marks would only add to the seed's index.
pub fn names_marked(docs: usize) -> bool {
    docs > 3 * DOCS_PER_SHARD
}

/// The marks a document's normalised name adds to its terms, so that the script can rank
/// what a query finds before loading the documents, and load only those it shows: each
/// term of the name again as `.term` (the word may be in the name), its first as `^term`
/// and its last as `$term` (the name may start with the query, or be it). A mark is stored
/// in its term's shard (see [`shard_of`]); no term starts with `.`, `^` or `$`.
fn name_marks(name: &str) -> Vec<String> {
    let mut terms = Vec::new();
    push_terms(name, &mut terms);
    let mut marks: Vec<String> = terms.iter().map(|t| format!(".{t}")).collect();
    marks.extend(terms.first().map(|t| format!("^{t}")));
    marks.extend(terms.last().map(|t| format!("${t}")));
    marks
}

/// How many term shards an index of `docs` documents is cut into: about one per 128
/// documents, a power of two, so a query of a few words loads a few tens of kilobytes of
/// terms at any size (and the number moves only when the table doubles or halves).
pub fn term_shards(docs: usize) -> usize {
    docs.div_ceil(128).next_power_of_two()
}

/// The term shard holding `term`: FNV-1a over its characters, as `search.js` computes it. A
/// name's mark of a term (see [`name_marks`]) goes with the term.
pub fn shard_of(term: &str, shards: usize) -> usize {
    let term = term.strip_prefix(['.', '^', '$']).unwrap_or(term);
    let hash = term.chars().fold(0x811c_9dc5_u32, |h, c| (h ^ c as u32).wrapping_mul(0x0100_0193));
    hash as usize & (shards - 1)
}

/// The index as scripts a page loads one by one with `<script>` elements (so it works from
/// a file share too), each calling `ROLESITE_SEARCH_PART`:
///
/// - `assets/search-index.js`, what every query needs: the numbers of documents, of rows
///   (their documents follow the vendors', in the order of their 項番, then come the
///   pages') and of shards, whether names are marked, the vendors' documents (a row names
///   its vendors by their positions) and the ranges of 項番 the source lost (found by
///   number, without terms; numbered after the others);
/// - `assets/search/t<k>.js`, the terms whose hash ([`shard_of`]) is `k`, with their marks
///   in names: `{term: positions of the documents holding it, ascending, each stored as the
///   difference from the one before}`;
/// - `assets/search/d<k>.js`, the rows' and pages' documents from the `k`th run of
///   [`DOCS_PER_SHARD`] on.
///
/// A query loads the shards of its terms, then those of the documents they lead to: with
/// names marked, only those of the documents it may show first.
fn shards(
    made: &[Made],
    vendors: usize,
    rows: usize,
    lost: &[Vec<u8>],
    words: &Words,
    entries: &[Arc<[u8]>],
) -> Vec<(String, Vec<u8>)> {
    let list = |items: &mut dyn Iterator<Item = &[u8]>, open: &[u8], close: &[u8]| -> Vec<u8> {
        let mut out = open.to_vec();
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(item);
        }
        out.extend_from_slice(close);
        out
    };
    let (head, body) = made.split_at(vendors.min(made.len()));
    let term_count = term_shards(made.len() + lost.len());
    let doc_count = body.len().div_ceil(DOCS_PER_SHARD);
    let mut files = Vec::with_capacity(1 + term_count + doc_count);
    let mut manifest = format!(
        "window.ROLESITE_SEARCH_INDEX={{\"v\":2,\"n\":{},\"rows\":{rows},\"marked\":{},\"terms\":{term_count},\"docs\":{doc_count},\"size\":{DOCS_PER_SHARD},\"head\":",
        made.len(),
        names_marked(body.len())
    )
    .into_bytes();
    manifest.extend(list(&mut head.iter().map(|m| m.json.as_bytes()), b"[", b"]"));
    manifest.extend(list(&mut lost.iter().map(Vec::as_slice), b",\"lost\":[", b"]};\n"));
    files.push((FILE.to_string(), manifest));
    // In the terms' order, for files that are the same bytes every build.
    let mut by_shard: Vec<Vec<&[u8]>> = vec![Vec::new(); term_count];
    for &t in &words.sorted {
        let entry = &entries[t as usize];
        if !entry.is_empty() {
            by_shard[shard_of(&words.names[t as usize], term_count)].push(entry);
        }
    }
    for (k, terms) in by_shard.iter().enumerate() {
        let open = format!("ROLESITE_SEARCH_PART(\"t\",{k},{{");
        files.push((format!("{SHARDS}/t{k}.js"), list(&mut terms.iter().copied(), open.as_bytes(), b"});\n")));
    }
    for (k, docs) in body.chunks(DOCS_PER_SHARD).enumerate() {
        let open = format!("ROLESITE_SEARCH_PART(\"d\",{k},[");
        files.push((
            format!("{SHARDS}/d{k}.js"),
            list(&mut docs.iter().map(|m| m.json.as_bytes()), open.as_bytes(), b"]);\n"),
        ));
    }
    files
}

/// The folder of the index's shards.
pub const SHARDS: &str = "assets/search";

/// Each term's documents, by position, ascending: the last build's, with the documents that
/// differ from its own at the same place taken out of the terms they left and put into the
/// terms they joined; or, after a larger change, made anew.
///
/// With the terms patched, when they were (`None` when all were made).
fn postings(made: &[Made], words: usize, last: Option<&IndexMemo>) -> (Vec<Arc<[u32]>>, Option<Vec<usize>>) {
    let differ = |m: &IndexMemo| -> Option<Vec<usize>> {
        let differ: Vec<usize> = (made.iter().zip(&m.docs).enumerate())
            .filter(|(_, (new, old))| !Arc::ptr_eq(&new.all, &old.all) && new.all != old.all)
            .map(|(at, _)| at)
            .collect();
        // Each patched term is copied: fine for an edit, not for a rename of a vendor.
        (differ.len() <= PATCHED_AT_MOST).then_some(differ)
    };
    if let Some((m, differ)) = last.filter(|m| m.docs.len() == made.len()).and_then(|m| Some((m, differ(m)?))) {
        let mut postings = m.postings.clone();
        postings.resize(words, Arc::from([]));
        // Terms new since the last build have no entry there yet.
        let mut touched: Vec<usize> = (m.postings.len()..words).collect();
        for at in differ {
            let (old, new) = (&m.docs[at].all, &made[at].all);
            let at = at as u32;
            for t in old.iter().filter(|t| new.binary_search(t).is_err()) {
                touched.push(*t as usize);
                let list = &mut postings[*t as usize];
                *list = list.iter().copied().filter(|d| *d != at).collect();
            }
            for t in new.iter().filter(|t| old.binary_search(t).is_err()) {
                touched.push(*t as usize);
                let list = &mut postings[*t as usize];
                let mut ids = list.to_vec();
                if let Err(place) = ids.binary_search(&at) {
                    ids.insert(place, at);
                }
                *list = ids.into();
            }
        }
        return (postings, Some(touched));
    }
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); words];
    for (at, m) in made.iter().enumerate() {
        m.all.iter().for_each(|t| postings[*t as usize].push(at as u32));
    }
    (postings.into_iter().map(Arc::from).collect(), None)
}

/// More documents changed than this, the postings are made anew rather than patched.
const PATCHED_AT_MOST: usize = 64;

/// One document as the index holds it, with the hashes it is known by.
#[derive(Clone)]
struct Made {
    /// Its fields' hash, and the terms cut from them.
    cut: u128,
    own: Arc<[u32]>,
    /// The hash of all its entry holds, and the entry.
    entry: u128,
    json: Arc<str>,
    /// Its own terms and its vendors', ascending.
    all: Arc<[u32]>,
}

/// The last build's documents by their hashes, for documents that moved or came back.
#[derive(Default)]
struct Known {
    cuts: HashMap<u128, Arc<[u32]>>,
    entries: HashMap<u128, Arc<str>>,
}

impl Known {
    fn of(memo: &IndexMemo) -> Known {
        Known {
            cuts: memo.docs.iter().map(|m| (m.cut, Arc::clone(&m.own))).collect(),
            entries: memo.docs.iter().map(|m| (m.entry, Arc::clone(&m.json))).collect(),
        }
    }
}

/// A document's term numbers taken over from the last build, or its normalised text, still
/// to be cut, and the length of its name at the start of it when the name is marked.
enum Cutting {
    Kept(Arc<[u32]>),
    Text(String, Option<usize>),
}

/// Every term seen in a session, numbered in the order first seen, and the numbers in the
/// terms' order: documents hold numbers, so filling the postings is indexing, not hashing
/// strings again.
#[derive(Default, Clone)]
pub struct Words {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The numbers sorted by term, for a file that is the same bytes every build.
    sorted: Vec<u32>,
}

impl Words {
    fn id(self: &mut Arc<Self>, term: &str) -> u32 {
        if let Some(id) = self.ids.get(term) {
            return *id;
        }
        let words = Arc::make_mut(self);
        let id = words.names.len() as u32;
        words.names.push(term.into());
        words.ids.insert(term.into(), id);
        id
    }

    /// Put the terms added since the last sort in order.
    fn sort(self: &mut Arc<Self>) {
        if self.sorted.len() < self.names.len() {
            let words = Arc::make_mut(self);
            let names = &words.names;
            words.sorted = (0..names.len() as u32).collect();
            words.sorted.sort_unstable_by(|a, b| names[*a as usize].cmp(&names[*b as usize]));
        }
    }
}

/// Ascending document positions, each written as the difference from the one before.
struct Deltas<'a>(&'a [u32]);

/// Positions as differences from the one before, a run of consecutive positions after the
/// first as one negative number (`[4, 1, 1, 1]` is written `[4, -3]`): a term of a heading
/// is held by every row under it.
impl Serialize for Deltas<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out: Vec<i64> = Vec::with_capacity(self.0.len());
        let mut last = 0;
        for &at in self.0 {
            let delta = i64::from(at - last);
            last = at;
            match out.last_mut() {
                Some(run) if delta == 1 && *run < 0 => *run -= 1,
                Some(one) if delta == 1 && *one == 1 => *one = -2,
                _ => out.push(delta),
            }
        }
        s.collect_seq(out)
    }
}

/// What the next build takes over: each document as made, in the order of the `docs`
/// array (after an edit only the edited documents are normalised and cut again), the
/// numbering of terms, and the postings.
#[derive(Default)]
pub struct IndexMemo {
    words: Arc<Words>,
    docs: Vec<Made>,
    /// The hash of what rows' documents take from the vendors (see `index_js`).
    vendors: u128,
    postings: Vec<Arc<[u32]>>,
    /// Each term's entry in the `terms` object, by term number; empty for a term no
    /// document holds.
    entries: Vec<Arc<[u8]>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn japanese_runs_become_bigrams_and_ascii_runs_words() {
        assert_eq!(terms("ウイルス検知"), ["ウイ", "イル", "ルス", "ス検", "検知"]);
        assert_eq!(terms("機構LAN保守"), ["機構", "lan", "保守"]);
        assert_eq!(terms("項番704"), ["項番", "704"]);
        // A run of one character stands as itself; punctuation separates runs.
        assert_eq!(terms("系・データ"), ["系", "デー", "ータ"]);
        assert_eq!(terms("  "), Vec::<String>::new());
    }

    #[test]
    fn full_and_half_width_and_case_meet_in_one_form() {
        assert_eq!(terms("ＬＡＮ"), terms("lan"));
        assert_eq!(terms("ｳｲﾙｽ"), terms("ウイルス"));
        assert_eq!(terms("(個人番号管理)"), terms("(個人番号管理)"));
        assert_eq!(normalize("Ａｂｃ１２３"), "abc123");
    }

    #[test]
    fn page_text_is_unescaped_once() {
        assert_eq!(plain("<p>write <code>&amp;lt;br&amp;gt;</code> &amp; go</p>"), "write &lt;br&gt; & go");
        assert_eq!(plain("<p>a&nbsp;b</p><ul><li>c</li><li>d</li></ul>"), "a b c d");
        assert_eq!(plain("<p>本文</p><script>var x = '<b>';</script><style>p{}</style>"), "本文");
        assert_eq!(plain("<noscript><p>スクリプトなしで</p></noscript><iframe><b>x</b></iframe>"), "スクリプトなしで");
    }

    /// A script's JSON: what follows the `=` or the shard's number, up to the closing `;`.
    fn json_of(script: &[u8]) -> serde_json::Value {
        let text = std::str::from_utf8(script).unwrap().trim_end().trim_end_matches(';');
        let text = match text.strip_prefix("window.ROLESITE_SEARCH_INDEX=") {
            Some(manifest) => manifest,
            None => {
                let args = text.strip_prefix("ROLESITE_SEARCH_PART(").unwrap().strip_suffix(')').unwrap();
                args.splitn(3, ',').nth(2).unwrap()
            }
        };
        serde_json::from_str(text).unwrap()
    }

    /// Positions as stored (differences, runs as negative numbers) back to positions.
    fn positions(stored: &serde_json::Value) -> Vec<u64> {
        let mut at = 0;
        let mut out = Vec::new();
        for n in stored.as_array().unwrap().iter().map(|n| n.as_i64().unwrap()) {
            if n >= 0 {
                at += n as u64;
                out.push(at);
            } else {
                for _ in 0..-n {
                    at += 1;
                    out.push(at);
                }
            }
        }
        out
    }

    /// The index of `table` put together again from its shards, as the script sees it with
    /// every shard loaded: `{"docs": [...], "terms": {term: [positions]}}`.
    fn index_of(table: &Table) -> serde_json::Value {
        let files = index_js(table, &[], None, false).0;
        assert_eq!(files.len(), file_count(table, &[]), "the progress bar's count");
        let manifest = json_of(&files[0].1);
        let mut docs = manifest["head"].as_array().unwrap().clone();
        let mut terms = serde_json::Map::new();
        for (path, bytes) in &files[1..] {
            let part = json_of(bytes);
            if path.starts_with("assets/search/d") {
                docs.extend(part.as_array().unwrap().iter().cloned());
            } else {
                for (term, stored) in part.as_object().unwrap() {
                    assert_eq!(
                        *path,
                        format!("{SHARDS}/t{}.js", shard_of(term, manifest["terms"].as_u64().unwrap() as usize))
                    );
                    terms.insert(term.clone(), serde_json::json!(positions(stored)));
                }
            }
        }
        assert_eq!(docs.len() as u64, manifest["n"].as_u64().unwrap());
        docs.extend(manifest["lost"].as_array().unwrap().iter().cloned());
        serde_json::json!({ "docs": docs, "terms": terms })
    }

    fn tasks(names: &[&str]) -> Vec<crate::model::Row> {
        names.iter().enumerate().map(|(i, n)| crate::model::Row::task(i as u32 + 1, n)).collect()
    }

    #[test]
    fn postings_are_ascending() {
        let json = index_of(&Table {
            rows: tasks(&["ウイルス検知", "定義ファイル", "ウイルス定義"]),
            ..Default::default()
        });
        // ウイ is in rows 1 and 3 (ids 0 and 2), 定義 in rows 2 and 3.
        assert_eq!(json["terms"]["ウイ"], serde_json::json!([0, 2]));
        assert_eq!(json["terms"]["定義"], serde_json::json!([1, 2]));
        assert_eq!(json["docs"][2], serde_json::json!(["t", 3, "ウイルス定義", [], "", ""]));
        assert_eq!(json["terms"]["3"], serde_json::json!([2]), "the 項番 is a term");
    }

    #[test]
    fn a_lost_range_is_one_document_after_the_others_and_no_term() {
        let gap = |from, to| crate::model::Gap {
            from,
            to,
            reason: "原本に残らない".into(),
            lost_text: None,
            location: Default::default(),
        };
        let mut rows = tasks(&["作業"]);
        rows.push(crate::model::Row::task(100, "次の作業"));
        rows.push(crate::model::Row::task(20_200, "遠い作業"));
        let json = index_of(&Table { rows, gaps: vec![gap(2, 99), gap(101, 20_199)], ..Default::default() });
        let docs = json["docs"].as_array().unwrap();
        assert_eq!(docs.len(), 4, "{docs:?}");
        assert_eq!(docs[3], serde_json::json!(["l", 2, "原本に残らない", 99]));
        // Found by number by the script alone: none of its words or numbers is a term.
        assert!(json["terms"].get("原本").is_none() && json["terms"].get("99").is_none());
    }

    #[test]
    fn a_row_is_found_by_its_vendors_short_names() {
        let vendor = crate::model::Vendor {
            id: "renkei".into(),
            name: "情報連携開発業者".into(),
            short: "2次連携".into(),
            aliases: Vec::new(),
            subsystems: Vec::new(),
        };
        let mut rows = tasks(&["設計"]);
        rows[0].roles.push(crate::model::Role {
            vendor: Some("renkei".into()),
            column: "2次連携".into(),
            role: crate::model::RoleKind::primary(),
            basis: crate::model::Basis::Source,
            reason: None,
            col: 3,
        });
        let json = index_of(&Table { vendors: vec![vendor], rows, ..Default::default() });
        assert_eq!(json["docs"][0], serde_json::json!(["v", 0, "情報連携開発業者", "", "2次連携", "vendors/renkei/"]));
        // The vendor (0) and its row (1) hold the short name's terms.
        assert_eq!(json["terms"]["2"], serde_json::json!([0, 1]));
        assert_eq!(json["terms"]["次連"], serde_json::json!([0, 1]));
    }

    #[test]
    fn positions_are_stored_as_differences_and_runs() {
        let stored = |ids: &[u32]| serde_json::to_value(Deltas(ids)).unwrap();
        assert_eq!(stored(&[4, 5, 6, 7]), serde_json::json!([4, -3]));
        assert_eq!(stored(&[0, 1, 2, 9, 10]), serde_json::json!([0, -2, 7, 1]));
        assert_eq!(stored(&[1, 2]), serde_json::json!([-2]));
        assert_eq!(stored(&[3, 8]), serde_json::json!([3, 5]));
        for ids in [vec![0u32], vec![0, 1], vec![1, 2, 3, 5, 6, 8, 9, 10, 11], vec![7, 100, 101, 1000]] {
            assert_eq!(positions(&stored(&ids)), ids.iter().map(|i| u64::from(*i)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn shards_grow_by_doubling_and_terms_spread_over_them() {
        assert_eq!([term_shards(1), term_shards(343), term_shards(1_700), term_shards(100_000)], [1, 4, 16, 1024]);
        let shards = term_shards(100_000);
        let mut used = vec![0; shards];
        for a in "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわ".chars()
        {
            for b in "作業計画設計開発試験運用保守移行".chars() {
                used[shard_of(&format!("{a}{b}"), shards)] += 1;
            }
        }
        // 690 bigrams over 1,024 shards: none takes more than a handful.
        assert!(used.iter().all(|n| *n <= 6), "{:?}", used.iter().max());
        assert_eq!(shard_of("ウイ", 1), 0);
    }

    /// Past three document shards, a name's terms are marked (`.term`, `^first`, `$last`)
    /// in their terms' shards: a rename changes the document's shard and the shards of the
    /// terms of its two names, no other file. A smaller index has no marks.
    #[test]
    fn names_are_marked_in_their_terms_shards_past_three_document_shards() {
        assert!(!names_marked(3 * DOCS_PER_SHARD) && names_marked(3 * DOCS_PER_SHARD + 1));
        assert_eq!(
            name_marks(&normalize("ウイルス対策")),
            [".ウイ", ".イル", ".ルス", ".ス対", ".対策", "^ウイ", "$対策"]
        );
        assert_eq!(name_marks(&normalize("ＬＡＮの更新")), [".lan", ".の更", ".更新", "^lan", "$更新"]);
        for mark in [".ウイ", "^ウイ", "$ウイ"] {
            assert_eq!(shard_of(mark, 1024), shard_of("ウイ", 1024));
        }
        let table = |n: usize| {
            let names: Vec<String> = (0..n).map(|i| format!("作業{i}の計画と確認")).collect();
            Table { rows: tasks(&names.iter().map(String::as_str).collect::<Vec<_>>()), ..Default::default() }
        };
        let has_mark = |files: &[(String, Vec<u8>)]| {
            files.iter().any(|(_, bytes)| String::from_utf8_lossy(bytes).contains("\"^作業\":"))
        };
        assert!(!has_mark(&index_js(&table(700), &[], None, false).0));
        let mut table = table(1_000);
        let before = index_js(&table, &[], None, false).0;
        assert!(has_mark(&before));
        table.rows[700].name = "ウイルス対策の計画".into();
        let after = index_js(&table, &[], None, false).0;
        let changed: BTreeSet<&str> =
            before.iter().zip(&after).filter(|(b, a)| b.1 != a.1).map(|(b, _)| b.0.as_str()).collect();
        let shards = term_shards(1_000);
        let touched: BTreeSet<String> = terms("作業700の計画と確認 ウイルス対策の計画")
            .iter()
            .map(|t| format!("{SHARDS}/t{}.js", shard_of(t, shards)))
            .chain([format!("{SHARDS}/d{}.js", 700 / DOCS_PER_SHARD)])
            .collect();
        assert!(changed.iter().all(|f| touched.contains(*f)), "{changed:?} against {touched:?}");
        let renamed = [format!("{SHARDS}/t{}.js", shard_of("ウイ", shards)), format!("{SHARDS}/d2.js")];
        assert!(renamed.iter().all(|f| changed.contains(f.as_str())), "{changed:?}");
    }

    /// An edit of one row's description changes its document shard and the term shards of
    /// the terms it gained or lost, and no other file of the index.
    #[test]
    fn an_edit_changes_only_the_shards_it_touches() {
        let names: Vec<String> = (0..1_000).map(|i| format!("作業{i}の計画と確認")).collect();
        let mut table =
            Table { rows: tasks(&names.iter().map(String::as_str).collect::<Vec<_>>()), ..Default::default() };
        let before = index_js(&table, &[], None, false).0;
        table.rows[700].description = "ウイルス定義ファイルの更新".into();
        let after = index_js(&table, &[], None, false).0;
        assert_eq!(before.len(), after.len());
        let changed: Vec<&str> =
            before.iter().zip(&after).filter(|(b, a)| b.1 != a.1).map(|(b, _)| b.0.as_str()).collect();
        let shards = term_shards(1_000);
        let mut expected: Vec<String> = terms("ウイルス定義ファイルの更新")
            .iter()
            .map(|t| format!("{SHARDS}/t{}.js", shard_of(t, shards)))
            .chain([format!("{SHARDS}/d{}.js", 700 / DOCS_PER_SHARD)])
            .collect();
        expected.sort();
        expected.dedup();
        let mut changed_sorted: Vec<String> = changed.iter().map(|c| c.to_string()).collect();
        changed_sorted.sort();
        assert_eq!(changed_sorted, expected, "of {} files", before.len());
        assert_eq!(file_count(&table, &[]), before.len(), "the progress bar's count");
    }
}
