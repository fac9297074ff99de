//! A table too large for one matrix page: the matrix cut into parts, on a generated table
//! above the threshold (`plan::MATRIX_WHOLE_AT_MOST`), in the current site and in a
//! released revision; and the seed, below it, keeping its one page. The same for a flag on
//! more rows than the quality page lists (`plan::LIST_AT_MOST`), and a vendor with
//! more tasks of one kind than its page lists (the same); the trees of headings, which
//! then list the top ones only (`plan::tops_only`); and the home page's load map, whose
//! columns then stand for runs of top headings (`plan::home_map_run`).

use super::{build, resolve, rolesite, sel, site, text, Site};
use std::collections::BTreeMap;

/// The 項番 of every row a grid page lists, in order (its row headers link to the row's
/// item or phase page).
fn grid_rows(site: &Site, page: &str) -> Vec<u32> {
    let doc = site.html(page);
    doc.select(&sel("table tbody tr th[scope=row] a"))
        .map(|a| {
            let target = resolve(page, a.value().attr("href").unwrap()).unwrap();
            let own = target.rsplit_once("items/").or_else(|| target.rsplit_once("phases/")).map(|(_, no)| no);
            let no = own.unwrap_or(&target).trim_end_matches("/index.html");
            no.parse().unwrap_or_else(|_| panic!("{page}: a row header leads to {target}"))
        })
        .collect()
}

/// The parts a split matrix under `prefix` (`` or `rev/2026-01/`) lists, checked: each is a
/// page of its own, listed in `urls.json` (the site's, or the revision's) as a
/// `matrix-part`; each leads back to the list and to its neighbours; the parts' grids
/// together list every row of `rows` once, in order; no page is over 1 MiB.
fn check_parts(site: &Site, prefix: &str, rows: &[u32], listed: &[String]) {
    let list = format!("{prefix}matrix/index.html");
    let doc = site.html(&list);
    let parts: Vec<String> =
        doc.select(&sel("table.parts a")).map(|a| resolve(&list, a.value().attr("href").unwrap()).unwrap()).collect();
    assert!(parts.len() > 5, "{list}: {parts:?}");
    assert!(site.files[&list].len() < 64 * 1024, "{list} stays small: {} bytes", site.files[&list].len());
    let in_manifest: Vec<String> =
        parts.iter().map(|p| p.trim_start_matches(prefix).replace("index.html", "")).collect();
    assert_eq!(listed, in_manifest, "{prefix}: urls.json lists the parts the list links, in order");
    let mut seen: Vec<u32> = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        assert!(site.files.contains_key(part), "{part} is linked from {list} but not written");
        assert!(site.files[part].len() < 1024 * 1024, "{part}: {} bytes", site.files[part].len());
        let doc = site.html(part);
        let nav: BTreeMap<String, String> = doc
            .select(&sel("nav.parts a"))
            .map(|a| (text(a), resolve(part, a.value().attr("href").unwrap()).unwrap()))
            .collect();
        assert_eq!(nav.get("部分の一覧"), Some(&list), "{part}");
        assert_eq!(nav.get("前の部分"), k.checked_sub(1).map(|k| &parts[k]), "{part}");
        assert_eq!(nav.get("次の部分"), parts.get(k + 1), "{part}");
        let own = grid_rows(site, part);
        assert!(!own.is_empty(), "{part} lists no row");
        // The 項番 range its list entry and its heading give.
        let h1 = text(doc.select(&sel("h1")).next().unwrap());
        assert!(h1.ends_with(&format!("項番{}–{}", own[0], own[own.len() - 1])), "{part}: {h1}");
        seen.extend(own);
    }
    assert_eq!(seen, rows, "{prefix}: the parts together list every row once, in order");
}

/// A list in the section `id` of `page` that was too long for it, checked: the section lists
/// none of `rows` but links pages, each under 1 MiB, that together list every one of `rows`
/// once, in order. Returns those pages, or `None` when the list is on the page itself.
fn split_list(site: &Site, page: &str, id: &str, rows: &[u32]) -> Option<Vec<String>> {
    let doc = site.html(page);
    let section = doc.select(&sel(&format!("section[aria-labelledby={id}]"))).next().unwrap();
    let parts: Vec<String> =
        section.select(&sel("ul.parts a")).map(|a| resolve(page, a.value().attr("href").unwrap()).unwrap()).collect();
    if parts.is_empty() {
        return None;
    }
    assert!(rows.len() > 2_000, "{page} {id}: {} rows split", rows.len());
    assert_eq!(section.select(&sel("li a[href*='items/']")).count(), 0, "{page} {id}: listed whole too");
    let mut seen = Vec::new();
    for part in &parts {
        assert!(site.files[part].len() < 1024 * 1024, "{part}: {} bytes", site.files[part].len());
        let doc = site.html(part);
        seen.extend(doc.select(&sel("main li a[href*='items/']")).map(|a| {
            let target = resolve(part, a.value().attr("href").unwrap()).unwrap();
            target.rsplit_once("items/").unwrap().1.trim_end_matches("/index.html").parse::<u32>().unwrap()
        }));
    }
    assert_eq!(seen, rows, "{page} {id}: the pages together list every row once, in order");
    Some(parts)
}

/// The lists of `lists` ((page, section id) → rows) that were split, checked by
/// [`split_list`], and their pages as `urls.json` lists them under `prefix` (`listed`).
/// Returns how many lists were split.
fn check_split_lists(site: &Site, prefix: &str, lists: &[(String, String, &[u32])], listed: &[String]) -> usize {
    let mut split = 0;
    let mut all_parts = Vec::new();
    for (page, id, rows) in lists {
        if let Some(parts) = split_list(site, page, id, rows) {
            split += 1;
            all_parts.extend(parts.iter().map(|p| p.trim_start_matches(prefix).replace("index.html", "")));
        }
    }
    all_parts.sort();
    assert_eq!(all_parts, listed, "{prefix}: urls.json lists the pages of the split lists");
    split
}

#[test]
fn a_large_matrix_is_cut_into_linked_parts_that_list_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    // Four vendors: each has more ○ than its page lists.
    crate::common::generated(&project, 6_000, 4);
    build(&project, &project.join("out"));
    let (code, text) = rolesite(&["release", project.to_str().unwrap(), "--label", "2026-01"]);
    assert_eq!(code, 0, "{text}");
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));

    let roles: serde_json::Value = serde_json::from_slice(&built.files["data/roles.json"]).unwrap();
    let rows: Vec<u32> = roles["rows"].as_array().unwrap().iter().map(|r| r["no"].as_u64().unwrap() as u32).collect();
    assert!(rows.len() > 6_000);
    let parts_in = |manifest: &[u8]| -> Vec<String> {
        let urls: serde_json::Value = serde_json::from_slice(manifest).unwrap();
        let listed = urls["urls"].as_array().unwrap().iter().filter(|u| u["kind"] == "matrix-part");
        listed.map(|u| u["url"].as_str().unwrap().to_string()).collect()
    };
    // `urls.json` lists pages by path: the parts in the order of their 項番.
    let by_number = |prefix: &str, urls: Vec<String>| {
        // The site's `urls.json` lists the revision's pages too, under `rev/`.
        let own = urls.iter().filter_map(|u| u.strip_prefix(prefix)).filter(|u| u.starts_with("matrix/"));
        let mut urls: Vec<String> = own.map(str::to_string).collect();
        urls.sort_by_key(|u| u.trim_start_matches("matrix/").trim_end_matches('/').parse::<u32>().unwrap());
        urls
    };
    check_parts(&built, "", &rows, &by_number("", parts_in(&built.files["urls.json"])));
    let released = std::fs::read(project.join("revisions/2026-01/urls.json")).unwrap();
    let frozen: Vec<String> = by_number("rev/2026-01/", parts_in(&released));
    check_parts(&built, "rev/2026-01/", &rows, &frozen);
    let in_site = by_number("rev/2026-01/", parts_in(&built.files["urls.json"]));
    assert_eq!(in_site, frozen, "the site's urls.json lists the revision's parts");

    // The flags: in `roles.json`, each row's codes; in `urls.json`, the flag pages.
    let mut flagged: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in roles["rows"].as_array().unwrap() {
        for flag in row["flags"].as_array().unwrap() {
            flagged
                .entry(flag["code"].as_str().unwrap().to_string())
                .or_default()
                .push(row["no"].as_u64().unwrap() as u32);
        }
    }
    let flag_pages = |manifest: &[u8], prefix: &str| -> Vec<String> {
        let urls: serde_json::Value = serde_json::from_slice(manifest).unwrap();
        let listed = urls["urls"].as_array().unwrap().iter().filter(|u| u["kind"] == "quality-part");
        let mut urls: Vec<String> = listed
            .filter_map(|u| u["url"].as_str().unwrap().strip_prefix(prefix))
            .filter(|u| u.starts_with("quality/"))
            .map(str::to_string)
            .collect();
        urls.sort();
        urls
    };
    let flag_lists = |prefix: &str| -> Vec<(String, String, &[u32])> {
        flagged.iter().map(|(code, rows)| (format!("{prefix}quality/index.html"), code.clone(), &rows[..])).collect()
    };
    let split = check_split_lists(&built, "", &flag_lists(""), &flag_pages(&built.files["urls.json"], ""));
    assert!(split >= 1, "the generated table's repeated names are flagged on most rows");
    let prefix = "rev/2026-01/";
    check_split_lists(&built, prefix, &flag_lists(prefix), &flag_pages(&released, prefix));

    // The vendors' lists: in `roles.json`, each vendor's tasks by kind (certain or not).
    let lists = vendor_lists(roles["rows"].as_array().unwrap());
    let vendor_pages = |manifest: &[u8], prefix: &str| -> Vec<String> {
        let urls: serde_json::Value = serde_json::from_slice(manifest).unwrap();
        let listed = urls["urls"].as_array().unwrap().iter().filter(|u| u["kind"] == "vendor-part");
        let own = listed.filter_map(|u| u["url"].as_str().unwrap().strip_prefix(prefix));
        let mut urls: Vec<String> = own.filter(|u| u.starts_with("vendors/")).map(str::to_string).collect();
        urls.sort();
        urls
    };
    let vendor_lists = |prefix: &str| -> Vec<(String, String, &[u32])> {
        let page = |vendor: &str| format!("{prefix}vendors/{vendor}/index.html");
        lists.iter().map(|((vendor, kind), tasks)| (page(vendor), kind.clone(), &tasks[..])).collect()
    };
    let split = check_split_lists(&built, "", &vendor_lists(""), &vendor_pages(&built.files["urls.json"], ""));
    assert!(split >= 4, "each of the four vendors' ○ lists is split: {split}");
    check_split_lists(&built, prefix, &vendor_lists(prefix), &vendor_pages(&released, prefix));
    assert_eq!(frozen, by_number("", parts_in(&built.files["urls.json"])), "the revision's parts are the same");

    // The trees of the home page and phases/ list the top headings only, each linking to
    // its page (which lists those below it).
    let tops: Vec<u32> = roles["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "heading" && r["parent"].is_null())
        .map(|r| r["no"].as_u64().unwrap() as u32)
        .collect();
    assert!(tops.len() > 10 && tops.len() * 10 < rows.len(), "{} top headings", tops.len());
    for page in ["index.html", "phases/index.html"] {
        let doc = built.html(page);
        let listed: Vec<u32> = doc
            .select(&sel("ul.tree li a"))
            .map(|a| {
                let target = resolve(page, a.value().attr("href").unwrap()).unwrap();
                target.trim_start_matches("phases/").trim_end_matches("/index.html").parse().unwrap()
            })
            .collect();
        assert_eq!(listed, tops, "{page}: the tree lists the top headings");
    }
    let last = *rows.last().unwrap();
    check_home_map(&built, &tops, last, &lists);

    // The seed, below the threshold, keeps the whole table on one page.
    let seed = site();
    assert!(!seed.files.keys().any(|p| p.starts_with("matrix/") && p != "matrix/index.html"));
    assert_eq!(grid_rows(seed, "matrix/index.html").len(), seed_rows(seed));
    let seed_headings = seed.html("phases/index.html").select(&sel("ul.tree li a")).count();
    assert!(seed_headings > 40, "the seed's tree lists every heading: {seed_headings}");
    // Its home map has a column per top-level heading, each linking that heading's page.
    let columns: Vec<String> = seed
        .html("index.html")
        .select(&sel("figure.loadmap g.col a"))
        .map(|a| resolve("index.html", a.value().attr("href").unwrap()).unwrap())
        .collect();
    let seed_tops = seed.html("phases/index.html").select(&sel("ul.tree li.l1 a")).count();
    assert!(columns.len() >= seed_tops && columns.iter().all(|c| c.starts_with("phases/")), "{columns:?}");
}

/// A table under one top-level heading: its page lists the headings right below it, links
/// pages of 1,000 項番 whose grids together hold every row below it once, and its load map
/// has a column per run of the headings right below it, counting every task once.
#[test]
fn a_heading_over_thousands_of_rows_has_its_grid_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    // Past 5,000 rows, where the map's columns run together (`plan::home_map_run`).
    crate::common::generated(&project, 4_500, 4);
    let roles = project.join("seeds/roles.csv");
    let text = std::fs::read_to_string(&roles).unwrap();
    // Every top-level heading but the first goes one level down, under the first.
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| match line.split_once(",1,") {
            Some((no, rest)) if i > 1 && no.parse::<u32>().is_ok() => format!("{no},2,{rest}"),
            _ => line.to_string(),
        })
        .collect();
    std::fs::write(&roles, lines.join("\n") + "\n").unwrap();
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));
    let json: serde_json::Value = serde_json::from_slice(&built.files["data/roles.json"]).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let top = rows[0]["no"].as_u64().unwrap() as u32;
    assert_eq!(rows.iter().filter(|r| r["kind"] == "heading" && r["parent"].is_null()).count(), 1);
    let below: Vec<u32> = rows[1..].iter().map(|r| r["no"].as_u64().unwrap() as u32).collect();
    let headings: Vec<u32> = rows[1..]
        .iter()
        .filter(|r| r["kind"] == "heading" && r["parent"] == top)
        .map(|r| r["no"].as_u64().unwrap() as u32)
        .collect();

    let page = format!("phases/{top}/index.html");
    assert!(built.files[&page].len() < 1024 * 1024, "{} bytes", built.files[&page].len());
    let doc = built.html(&page);
    assert!(doc.select(&sel("table.grid")).next().is_none(), "{page} has no grid of its own");
    let children: Vec<u32> = doc
        .select(&sel("section[aria-labelledby=children] li a"))
        .map(|a| {
            let target = resolve(&page, a.value().attr("href").unwrap()).unwrap();
            target.trim_start_matches("phases/").trim_end_matches("/index.html").parse().unwrap()
        })
        .collect();
    assert_eq!(children, headings, "the headings right below it, and no task");
    let parts: Vec<String> = doc
        .select(&sel("section[aria-labelledby=grid] ul.parts a"))
        .map(|a| resolve(&page, a.value().attr("href").unwrap()).unwrap())
        .collect();
    assert!(parts.len() >= 3, "{parts:?}");
    let mut seen = Vec::new();
    for part in &parts {
        assert!(built.files[part].len() < 1024 * 1024, "{part}");
        seen.extend(grid_rows(&built, part));
        let back = built.html(part);
        let href = back.select(&sel("main p a")).next().unwrap().value().attr("href").unwrap();
        assert_eq!(resolve(part, href).as_deref(), Some(page.as_str()), "{part} links its heading");
    }
    assert_eq!(seen, below, "the parts list every row below the heading once, in order");
    assert_eq!(pages_of_kind(&built, "phase-part"), parts, "urls.json lists the parts, in order");

    // Its load map: every task is below the heading, so it counts every vendor's tasks.
    let lists = vendor_lists(rows);
    let columns = doc.select(&sel("figure.loadmap g.col")).count();
    assert!(headings.len() > 30 && (2..=31).contains(&columns), "{} headings, {columns} columns", headings.len());
    assert_eq!(map_totals(&doc, &lists), totals(&lists), "the map counts every vendor's tasks of each kind once");
}

/// The files of the pages of `kind` the site's `urls.json` lists, in its order.
fn pages_of_kind(site: &Site, kind: &str) -> Vec<String> {
    let urls: serde_json::Value = serde_json::from_slice(&site.files["urls.json"]).unwrap();
    let listed = urls["urls"].as_array().unwrap().iter().filter(|u| u["kind"] == kind);
    listed.map(|u| format!("{}index.html", u["url"].as_str().unwrap())).collect()
}

/// A table whose tasks have all lost their ◎: every one is warned about, and every one is
/// on the list of tasks no vendor can be named for, which is then cut into pages.
#[test]
fn thousands_of_tasks_without_a_primary_are_listed_in_parts_and_ticked_by_stretch() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    crate::common::generated(&project, 3_000, 4);
    let roles = project.join("seeds/roles.csv");
    let generated = std::fs::read_to_string(&roles).unwrap();
    std::fs::write(&roles, generated.replace('◎', "")).unwrap();
    // A subsystem every task names, in its parenthesis: more than one page's grid holds.
    std::fs::write(project.join("seeds/subsystems.csv"), "id,name,aliases\nall,サブシステム,\n").unwrap();
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));
    check_strip(&built, &project);

    let json: serde_json::Value = serde_json::from_slice(&built.files["data/roles.json"]).unwrap();
    let tasks: Vec<u32> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "task")
        .map(|r| r["no"].as_u64().unwrap() as u32)
        .collect();
    let page = "unassigned/index.html";
    let doc = built.html(page);
    assert_eq!(doc.select(&sel("main li a[href*='items/']")).count(), 0, "{page} lists the parts only");
    let parts: Vec<String> =
        doc.select(&sel("main ul.parts a")).map(|a| resolve(page, a.value().attr("href").unwrap()).unwrap()).collect();
    let mut seen = Vec::new();
    for part in &parts {
        assert!(built.files[part].len() < 1024 * 1024, "{part}");
        let doc = built.html(part);
        seen.extend(doc.select(&sel("main li a[href*='items/']")).map(|a| {
            let target = resolve(part, a.value().attr("href").unwrap()).unwrap();
            target.rsplit_once("items/").unwrap().1.trim_end_matches("/index.html").parse::<u32>().unwrap()
        }));
    }
    assert_eq!(seen, tasks, "the parts list every task once, in order");
    let mut listed = pages_of_kind(&built, "unassigned-part");
    listed.sort();
    let mut linked = parts.clone();
    linked.sort();
    assert!(parts.len() >= 2);
    assert_eq!(listed, linked, "urls.json lists the parts");

    // The subsystem's page links the pages of its spans, whose grids list every task once.
    let page = "subsystems/all/index.html";
    let doc = built.html(page);
    assert!(doc.select(&sel("table.grid")).next().is_none(), "{page} has no grid of its own");
    let spans: Vec<String> =
        doc.select(&sel("main ul.parts a")).map(|a| resolve(page, a.value().attr("href").unwrap()).unwrap()).collect();
    assert!(spans.len() >= 3, "{spans:?}");
    let mut seen = Vec::new();
    for part in &spans {
        assert!(built.files[part].len() < 1024 * 1024, "{part}");
        seen.extend(grid_rows(&built, part));
        let back = built.html(part);
        let href = back.select(&sel("main p a")).next().unwrap().value().attr("href").unwrap();
        assert_eq!(resolve(part, href).as_deref(), Some(page), "{part} links its list");
    }
    assert_eq!(seen, tasks, "the subsystem's pages list every task once, in order");
    assert_eq!(pages_of_kind(&built, "subsystem-part"), spans, "urls.json lists the subsystem's pages, in order");

    // Every task renamed: the changes page shows the first 500 and says where the rest are.
    let renamed_all = std::fs::read_to_string(&roles).unwrap().replace("サブシステム)", "サブシステム)改");
    std::fs::write(&roles, renamed_all).unwrap();
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));
    let changes: serde_json::Value = serde_json::from_slice(&built.files["data/changes.json"]).unwrap();
    let renamed = changes["renamed"].as_array().unwrap().len();
    assert!(renamed > 2_000, "{renamed} renamed");
    let page = "changes/index.html";
    assert!(built.files[page].len() < 1024 * 1024, "{} bytes", built.files[page].len());
    let doc = built.html(page);
    let section = doc.select(&sel("section[aria-labelledby=renamed]")).next().unwrap();
    assert_eq!(text(section.select(&sel("h2")).next().unwrap()), format!("名称が変わった行({renamed} 件)"));
    assert_eq!(section.select(&sel("li")).count(), 500);
    let more = section.select(&sel("p.more")).next().unwrap();
    assert_eq!(text(more), format!("ほか {} 件(全 {renamed} 件は data/changes.json にあります)。", renamed - 500));
    let href = more.select(&sel("a")).next().unwrap().value().attr("href").unwrap();
    assert_eq!(resolve(page, href).as_deref(), Some("data/changes.json"));

    // The ◎ back: each of the four vendors gains hundreds, and the page shows 500 of each
    // vendor's lines (2,000 shared among four).
    std::fs::write(&roles, generated).unwrap();
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));
    let changes: serde_json::Value = serde_json::from_slice(&built.files["data/changes.json"]).unwrap();
    let doc = built.html(page);
    let lists: Vec<_> = doc.select(&sel("section[aria-labelledby=roles] ul.changes")).collect();
    let vendors = changes["vendors"].as_array().unwrap();
    assert_eq!(lists.len(), vendors.len());
    let mut cut = 0;
    for (list, vendor) in lists.iter().zip(vendors) {
        let all = vendor["gained"].as_array().unwrap().len() + vendor["lost"].as_array().unwrap().len();
        let shown = list.select(&sel("li")).count();
        assert_eq!(shown, all.min(500), "{}", vendor["id"]);
        let more =
            list.next_siblings().filter_map(scraper::ElementRef::wrap).next().filter(|e| e.value().name() == "p");
        assert_eq!(
            more.map(text),
            (all > 500).then(|| format!("ほか {} 件(全 {all} 件は data/changes.json にあります)。", all - 500))
        );
        cut += usize::from(all > 500);
    }
    assert!(cut >= 1, "some vendor gained more than its share");
    assert!(built.files[page].len() < 1024 * 1024, "{} bytes", built.files[page].len());

    // The lists are short again (the ◎ came back in the build above): their pages, once
    // published, still answer, each leading to the list it was part of, and go on doing so
    // build after build.
    build(&project, &project.join("out"));
    let built = Site::read(&project.join("out"));
    let urls: serde_json::Value = serde_json::from_slice(&built.files["urls.json"]).unwrap();
    let gone: BTreeMap<String, String> = urls["urls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "part-gone")
        .map(|u| (u["url"].as_str().unwrap().to_string(), u["title"].as_str().unwrap_or("").to_string()))
        .collect();
    let unassigned = linked.iter().map(|p| p.trim_end_matches("index.html").to_string());
    for url in unassigned.chain(["quality/no-primary/0/".to_string()]) {
        assert!(gone.contains_key(&url), "{url} is kept: {gone:?}");
        let file = format!("{url}index.html");
        let doc = built.html(&file);
        let link = doc.select(&sel("main a")).next().unwrap().value().attr("href").unwrap();
        // The flag is on no row now: its part leads to the quality page, not to a place on it.
        let expected = if url.starts_with("quality/") { "quality/index.html" } else { "unassigned/index.html" };
        assert_eq!(resolve(&file, link).as_deref(), Some(expected), "{url}");
        let refresh = doc.select(&sel("meta[http-equiv=refresh]")).next().unwrap().value().attr("content").unwrap();
        assert!(refresh.ends_with(link), "{refresh}");
    }
    assert!(built.html("quality/index.html").select(&sel("#no-primary")).next().is_none());
}

/// The quality page's strip of a table with more rows warned than it has ticks: at most
/// 480, each standing for the rows warned in its stretch of 項番 (in order, none shared)
/// and leading to the first; together they count every row `rolesite check` warns about.
fn check_strip(site: &Site, project: &std::path::Path) {
    let (_, report) = rolesite(&["check", project.to_str().unwrap()]);
    let warned: std::collections::BTreeSet<u32> = report
        .lines()
        .filter(|l| l.contains(": warning["))
        .filter_map(|l| l.split("]: 項番").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    assert!(warned.len() > 480, "{} rows warned", warned.len());
    let doc = site.html("quality/index.html");
    let ticks: Vec<_> = doc.select(&sel("figure.strip a.flagged")).collect();
    assert!(!ticks.is_empty() && ticks.len() <= 480, "{} ticks", ticks.len());
    let (mut counted, mut after) = (0, 0);
    for tick in ticks {
        let label = tick.value().attr("aria-label").unwrap();
        let first: u32 = tick.value().attr("data-no").unwrap().parse().unwrap();
        assert!(first > after && warned.contains(&first), "{label}");
        let target = resolve("quality/index.html", tick.value().attr("href").unwrap()).unwrap();
        assert_eq!(target, format!("items/{first}/index.html"), "{label}");
        // `項番a–b: 警告のある行 n 件(最初の行へ)`, or one row's `項番a name: flags`.
        let range = label.strip_prefix("項番").unwrap().split([':', ' ']).next().unwrap();
        let last: u32 = range.split_once('–').map_or(range, |(_, b)| b).parse().unwrap();
        let n = warned.range(first..=last).count();
        match label.split_once("警告のある行 ") {
            Some((_, rest)) => assert_eq!(rest, format!("{n} 件(最初の行へ)"), "{label}"),
            None => assert_eq!(n, 1, "{label}"),
        }
        counted += n;
        after = last;
    }
    assert_eq!(counted, warned.len(), "the ticks count every row warned");
}

/// The home page's load map of a table with more top-level headings than it has columns:
/// at most `plan::HOME_MAP_COLUMNS` columns, each a run of consecutive top headings
/// labelled with its 項番 range (together every 項番 from the first heading to `last`, once)
/// and linking the run's first heading in `phases/`'s list; each vendor's cells add up to
/// its tasks of each kind in `lists`, none lost and none counted twice.
fn check_home_map(site: &Site, tops: &[u32], last: u32, lists: &BTreeMap<(String, String), Vec<u32>>) {
    let home = site.html("index.html");
    let phases = site.html("phases/index.html");
    let columns: Vec<_> = home.select(&sel("figure.loadmap g.col")).collect();
    assert!((2..=30).contains(&columns.len()) && columns.len() < tops.len(), "{} columns", columns.len());
    let mut next = tops[0];
    for column in &columns {
        let label = column.select(&sel("tspan")).next().map(text).unwrap();
        let (from, to) = label.split_once('–').unwrap_or_else(|| panic!("a range: {label}"));
        let (from, to): (u32, u32) = (from.parse().unwrap(), to.parse().unwrap());
        assert_eq!(from, next, "the ranges follow each other: {label}");
        assert!(tops.contains(&from) && to >= from, "{label}");
        next = to + 1;
        let href = column.select(&sel("a")).next().unwrap().value().attr("href").unwrap();
        let target = resolve("index.html", href).unwrap();
        assert_eq!(target, format!("phases/index.html#top-{from}"), "{label}");
        assert_eq!(phases.select(&sel(&format!("li#top-{from}"))).count(), 1, "{target} is there");
    }
    assert_eq!(next, last + 1, "the last range ends at the table's last 項番");

    assert_eq!(map_totals(&home, lists), totals(lists), "the map counts every vendor's tasks of each kind once");
}

/// `roles.json`'s rows as each vendor's tasks of each kind of role (certain or not), in
/// order: (vendor, kind id) → 項番.
fn vendor_lists(rows: &[serde_json::Value]) -> BTreeMap<(String, String), Vec<u32>> {
    let mut lists: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r["kind"] == "task") {
        for role in row["roles"].as_array().unwrap().iter().filter(|r| r["vendor"].is_string()) {
            let key = (role["vendor"].as_str().unwrap().to_string(), role["role"].as_str().unwrap().to_string());
            let tasks = lists.entry(key).or_default();
            let no = row["no"].as_u64().unwrap() as u32;
            if tasks.last() != Some(&no) {
                tasks.push(no);
            }
        }
    }
    lists
}

/// Each (vendor, kind of role) of `lists` with how many tasks it lists.
fn totals(lists: &BTreeMap<(String, String), Vec<u32>>) -> BTreeMap<(String, String), u64> {
    lists.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect()
}

/// A page's load map added up: each (vendor, kind of role) of `lists` with its cells' counts
/// (certain and doubtful) over all columns.
fn map_totals(page: &scraper::Html, lists: &BTreeMap<(String, String), Vec<u32>>) -> BTreeMap<(String, String), u64> {
    let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in page.select(&sel("figure.loadmap g.vendor-row")).filter(|r| r.value().attr("data-vendor") != Some("")) {
        let vendor = row.value().attr("data-vendor").unwrap();
        for cell in row.select(&sel("g.cell")) {
            for kind in lists.keys().filter(|(v, _)| v == vendor).map(|(_, k)| k) {
                let n = |attr: &str| cell.value().attr(attr).map_or(0, |v| v.parse::<u64>().unwrap());
                *counted.entry((vendor.to_string(), kind.clone())).or_default() +=
                    n(&format!("data-{kind}")) + n(&format!("data-{kind}-doubtful"));
            }
        }
    }
    counted
}

fn seed_rows(seed: &Site) -> usize {
    let roles: serde_json::Value = serde_json::from_slice(&seed.files["data/roles.json"]).unwrap();
    roles["rows"].as_array().unwrap().len()
}
