// rolesite: small enhancements for the published site (no library, works over file://).
//
// The "引用をコピー" button beside an item page's citation. Without this script the button
// stays hidden and the citation stays visible and selectable. No network access, no inline
// handlers; pages without a citation are left alone.
(function () {
  'use strict';

  var COPIED = 'コピーしました';
  var FAILED = 'コピーできませんでした。引用の文字列を選択して、手動でコピーしてください。';

  // Copy through a hidden textarea: for browsers without the Clipboard API, or where it is
  // refused (some file:// set-ups). Returns whether the browser says it copied.
  function copyBySelection(text) {
    var active = document.activeElement;
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.setAttribute('aria-hidden', 'true');
    area.tabIndex = -1;
    area.style.position = 'fixed';
    area.style.top = '0';
    area.style.left = '0';
    area.style.width = '1px';
    area.style.height = '1px';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.focus();
    area.select();
    area.setSelectionRange(0, text.length);
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    if (active && typeof active.focus === 'function') active.focus();
    return !!ok;
  }

  // Select the citation so that copying by hand is one key press away.
  function selectText(el) {
    var selection = window.getSelection && window.getSelection();
    if (!selection || !document.createRange) return;
    var range = document.createRange();
    range.selectNodeContents(el);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(status, message) {
    if (!status) return;
    // Cleared first, so that a repeated message is announced again.
    status.textContent = '';
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  function setUp(button) {
    var holder = button.parentNode;
    var source = holder && holder.querySelector('.citation');
    if (!source) return;
    var status = holder.querySelector('.copy-status');

    button.addEventListener('click', function () {
      var text = source.textContent;
      var done = function (ok) {
        if (!ok) selectText(source);
        say(status, ok ? COPIED : FAILED);
      };
      var fallback = function () {
        done(copyBySelection(text));
      };
      var clipboard = navigator.clipboard;
      if (!clipboard || typeof clipboard.writeText !== 'function') {
        fallback();
        return;
      }
      var written;
      try {
        written = clipboard.writeText(text);
      } catch (e) {
        fallback();
        return;
      }
      if (written && typeof written.then === 'function') {
        written.then(function () {
          done(true);
        }, fallback);
      } else {
        done(true);
      }
    });
    button.removeAttribute('hidden');
  }

  function start() {
    var buttons = document.querySelectorAll('button.copy-citation');
    for (var i = 0; i < buttons.length; i++) setUp(buttons[i]);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
