// cmr-search: keyboard navigation, sprite-based cine players, synced compare, loading states.
(function () {
  "use strict";
  const players = [];
  const reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  // a choice kept in this browser (previews paused, the "/" shortcut off); none where storage is off
  // kept for this page too: where storage is off the choice still holds until the page goes
  const remembered = {};
  function stored(key) {
    if (key in remembered) return remembered[key];
    try { return window.localStorage.getItem("cmr-search." + key); } catch (e) { return null; }
  }
  function store(key, value) {
    remembered[key] = value;
    try { window.localStorage.setItem("cmr-search." + key, value); } catch (e) { /* this page only */ }
  }

  function Player(fig) {
    this.fig = fig;
    this.screen = fig.querySelector(".screen");
    this.slider = fig.querySelector(".frame");
    this.pos = fig.querySelector(".pos");
    this.button = fig.querySelector(".play");
    this.speedSelect = fig.querySelector(".speed");
    this.interval = parseFloat(fig.dataset.interval) || 40;
    this.group = fig.dataset.group || null;
    this.title = fig.dataset.title || "cine";
    // cines wait for a press where the system asks for reduced motion
    this.frames = 1; this.frame = 0; this.playing = !(reducedMotion && reducedMotion.matches); this.elapsed = 0;
    this.overlay = fig.querySelector(".contours");
    this.toggle = fig.querySelector(".show-contours");
    this.overlayFrames = 0;
    this.bind();
    this.showPlaying();
    this.load(fig.dataset.sprite);
  }
  Player.prototype.bind = function () {
    const self = this;
    this.button.addEventListener("click", function () { self.setPlaying(!self.playing); });
    this.slider.addEventListener("input", function () {
      self.setPlaying(false); self.frame = parseInt(self.slider.value, 10) || 0; self.draw();
    });
    this.speedSelect.addEventListener("change", function () {
      groupOf(self).forEach(function (p) { p.speedSelect.value = self.speedSelect.value; });
    });
    if (this.toggle) this.toggle.addEventListener("change", function () { self.showContours(); });
  };
  // The segmentation outlines: a transparent strip over the cine, loaded when first shown.
  Player.prototype.showContours = function () {
    const self = this, on = this.toggle.checked;
    this.overlay.hidden = !on;
    this.fig.dataset.contoursShown = on ? "1" : "0";
    if (!on || this.overlay.dataset.loaded === this.fig.dataset.contours) { this.draw(); return; }
    const url = this.fig.dataset.contours, img = new Image();
    img.onload = function () {
      self.overlayFrames = Math.max(1, Math.round(img.naturalWidth / img.naturalHeight));
      self.overlay.style.backgroundImage = 'url("' + url + '")';
      self.overlay.style.backgroundSize = (self.overlayFrames * 100) + "% 100%";
      self.overlay.dataset.loaded = url;
      self.draw();
    };
    img.onerror = function () {  // no contours for this slice: say so, keep the cine
      self.toggle.checked = false; self.overlay.hidden = true;
      self.toggle.closest("label").title = "No segmentation for this slice";
      self.toggle.disabled = true;
    };
    img.src = url;
  };
  Player.prototype.load = function (url) {
    // each load numbered: a slower, older strip answering last must not replace the newer
    // slice's (two quick tab clicks showed the basal strip under "SAX apical")
    const self = this, img = new Image(), ticket = (this.loads = (this.loads || 0) + 1);
    this.ready = false;  // a strip not loaded must not lead a compare group's step (tick)
    img.onload = function () {
      if (ticket !== self.loads) return;
      self.ready = true;
      self.frames = Math.max(1, Math.round(img.naturalWidth / img.naturalHeight));
      self.screen.style.backgroundImage = 'url("' + url + '")';
      self.screen.style.backgroundSize = (self.frames * 100) + "% 100%";
      self.screen.classList.add("ready");
      const fallback = self.screen.querySelector(".fallback");
      if (fallback) fallback.remove();
      self.fig.querySelector(".controls").hidden = false;
      self.slider.max = String(self.frames - 1);
      self.frame = Math.min(self.frame, self.frames - 1);
      self.fig.dataset.frames = String(self.frames);
      self.draw();
    };
    // no frame strip: the fallback stays, its cine then as the header's "Pause previews" says
    img.onerror = function () {
      if (ticket !== self.loads) return;
      if (self.screen.classList.contains("ready")) {
        // another slice's strip is showing: not under this slice's name
        self.screen.style.backgroundImage = "none";
        self.screen.classList.remove("ready");
        self.fig.querySelector(".controls").hidden = true;
        self.screen.setAttribute("aria-label", self.screen.getAttribute("aria-label") + ": not available");
        return;
      }
      const fallback = self.screen.querySelector(".fallback[data-cine][data-still]");
      if (fallback) { fallback.classList.add("preview"); showPreviews(); }
      // "Pause both" steers the players' frames, not a fallback: it would say "Play both"
      // over cines still moving, which the header's "Pause previews" stops
      const all = self.group === "compare" && document.querySelector(".play-all");
      if (all) all.hidden = true;
    };
    img.src = url;
  };
  Player.prototype.cycle = function () { return this.interval * this.frames; };
  Player.prototype.setPlaying = function (on) {
    groupOf(this).forEach(function (p) { p.playing = on; p.showPlaying(); });
    if (this.group === "compare") showPlayAll(on);
  };
  // the button names its own view ("Pause 4-chamber"): several players never share one name
  Player.prototype.showPlaying = function () {
    this.button.textContent = this.playing ? "❚❚" : "▶";
    this.button.setAttribute("aria-label", (this.playing ? "Pause " : "Play ") + this.title);
    this.fig.dataset.playing = this.playing ? "1" : "0";
  };
  Player.prototype.draw = function () {
    const pct = this.frames > 1 ? (this.frame * 100) / (this.frames - 1) : 0;
    this.screen.style.backgroundPosition = pct + "% 0";
    if (this.overlay && !this.overlay.hidden && this.overlayFrames > 0) {
      // the same moment of the cycle, should the strips differ in length
      const k = this.frames > 1 ? Math.round(this.frame * (this.overlayFrames - 1) / (this.frames - 1)) : 0;
      this.overlay.style.backgroundPosition = (this.overlayFrames > 1 ? (k * 100) / (this.overlayFrames - 1) : 0) + "% 0";
    }
    this.slider.value = String(this.frame);
    this.slider.setAttribute("aria-valuetext", "frame " + (this.frame + 1) + " of " + this.frames);
    this.pos.textContent = (this.frame + 1) + "/" + this.frames;
    this.fig.dataset.frame = String(this.frame);
  };

  function showPlayAll(on) {
    const all = document.querySelector(".play-all");
    if (!all) return;
    const icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = on ? "❚❚" : "▶";
    all.replaceChildren(icon, document.createTextNode(on ? " Pause both" : " Play both"));
  }

  function groupOf(player) {
    if (!player.group) return [player];
    return players.filter(function (p) { return p.group === player.group && document.contains(p.fig); });
  }

  let last = null;
  function tick(now) {
    const dt = last === null ? 0 : Math.min(now - last, 200);
    last = now;
    players.forEach(function (p) {
      if (!p.playing || !document.contains(p.fig)) return;
      p.elapsed += dt * (parseFloat(p.speedSelect.value) || 1);
      let frame;
      if (p.group === "compare") {  // in step: the same phase of each study's own cycle
        const lead = groupOf(p).find(function (q) { return q.ready; }) || p;
        const phase = (lead.elapsed % lead.cycle()) / lead.cycle();
        frame = Math.floor(phase * p.frames) % p.frames;
      } else {
        frame = Math.floor(p.elapsed / p.interval) % p.frames;
      }
      if (frame !== p.frame) { p.frame = frame; p.draw(); }
    });
    requestAnimationFrame(tick);
  }

  function init(root) {
    root.querySelectorAll(".player:not([data-ready])").forEach(function (fig) {
      fig.dataset.ready = "1";
      players.push(new Player(fig));
    });
    const first = players.find(function (p) { return p.group === "compare" && document.contains(p.fig); });
    if (first) showPlayAll(first.playing);
    root.querySelectorAll(".shortcut-setting").forEach(function (box) { box.checked = stored("slash") !== "off"; });
    showPreviews();
  }

  // Clicks and changes are taken where they bubble to: htmx's first "load" hands the whole body
  // to init() again, and its history restores elements that no listener was ever bound to.
  function showSlice(tab) {
    const block = tab.closest(".sax-block"), fig = block.querySelector(".player");
    block.querySelectorAll(".slice-tabs button").forEach(function (b) {
      b.setAttribute("aria-pressed", b === tab ? "true" : "false");
    });
    // the player's name says which slice it shows ("Short axis, basal")
    const named = (fig.dataset.title || "Short axis") + ", " + tab.textContent.trim().replace(/^SAX\s+/, "");
    fig.setAttribute("aria-label", named + " cine");
    fig.querySelector(".screen").setAttribute("aria-label", named);
    const url = fig.dataset.sprite.replace(/[^/]+\.png$/, tab.dataset.slice + ".png");
    fig.dataset.sprite = url;
    if (fig.dataset.contours) {
      fig.dataset.contours = fig.dataset.contours.replace(/[^/]+\.png$/, tab.dataset.slice + ".png");
    }
    const player = players.find(function (p) { return p.fig === fig; });
    if (player) {
      player.load(url);
      if (player.toggle) player.toggle.disabled = false;
      if (player.toggle && player.toggle.checked) player.showContours();
    }
  }
  document.addEventListener("click", function (e) {
    const el = e.target.closest ? e.target : e.target.parentElement;
    if (!el) return;
    const tab = el.closest(".slice-tabs button");
    if (tab) { showSlice(tab); return; }
    if (el.closest(".play-all")) {
      const group = players.filter(function (p) { return p.group === "compare" && document.contains(p.fig); });
      if (group.length) group[0].setPlaying(!group[0].playing);  // says "Play both" / "Pause both" itself
      return;
    }
    if (el.closest(".motion-toggle")) {
      store("previews", previewsPaused() ? "playing" : "paused");
      showPreviews();
    }
  });
  document.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("shortcut-setting")) {
      store("slash", e.target.checked ? "on" : "off");
      // the header's switch (open mode) and the account page's say the same
      document.querySelectorAll(".shortcut-setting").forEach(function (box) { box.checked = e.target.checked; });
    }
  });
  // a filter change sent every box of the search form, some 25 of them empty ("&age_min=
  // &age_max=..."), into the URL it pushed: it keeps only the fields with a value ("" is unset)
  document.addEventListener("htmx:configRequest", function (e) {
    const data = e.detail.formData;
    if (!data || e.detail.verb !== "get" || !e.detail.elt || e.detail.elt.id !== "search-form") return;
    new Set(Array.from(data.keys())).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) data.delete(name);
    });
  });
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!form.matches || !form.matches("form[data-loading]")) return;
    form.querySelector(".loading").textContent = form.dataset.loading;
    form.querySelector("button[type=submit]").disabled = true;
    form.classList.add("busy");
  });

  // Previews are animated WebP that loop for ever: each (a result or teaching card, an upload's
  // view, a player's fallback once its strip failed) holds its still poster and its cine, and
  // shows the cine only while previews play (WCAG 2.2.2 Pause, Stop, Hide). They start paused
  // where the system asks for reduced motion; the header's button remembers.
  function previewsPaused() {
    const chosen = stored("previews");
    if (chosen === "paused" || chosen === "playing") return chosen === "paused";
    return !!(reducedMotion && reducedMotion.matches);
  }
  function showPreviews() {
    const paused = previewsPaused();
    const images = document.querySelectorAll("img.preview[data-cine][data-still]");
    images.forEach(function (img) {
      const wanted = paused ? img.dataset.still : img.dataset.cine;
      if (img.getAttribute("src") !== wanted) img.setAttribute("src", wanted);
    });
    const toggle = document.querySelector(".motion-toggle");
    if (toggle) {
      toggle.hidden = images.length === 0;
      toggle.textContent = paused ? "Play previews" : "Pause previews";
    }
  }

  // Arrow keys move between result cards only from the search box or a card: elsewhere they
  // keep their own work (scrolling, sliders, selects). A card is reached through its date link;
  // a card that is focusable itself (the teaching file's) is reached as it is.
  function cardTargets() {
    const out = [];
    document.querySelectorAll(".card").forEach(function (card) {
      const target = card.hasAttribute("tabindex") ? card : card.querySelector("a.open");
      if (target) out.push(target);
    });
    return out;
  }

  document.addEventListener("keydown", function (e) {
    const tag = (e.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable;
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && stored("slash") !== "off") {
      // The home page focuses its empty search box: a "/" pressed there for the shortcut
      // typed itself, and searched "/dilated LV". The box is where the shortcut goes: it
      // swallows that "/" only; one in a query ("segments 1/7") or another field types.
      if (typing && !(e.target.id === "q" && !e.target.value)) return;
      e.preventDefault();
      const q = document.getElementById("q");
      if (q) { q.focus(); q.select(); } else { window.location.href = "/"; }
      return;
    }
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const cards = cardTargets();
      const at = cards.indexOf(document.activeElement);
      if (!cards.length || (at < 0 && e.target.id !== "q")) return;
      const next = e.key === "ArrowDown" ? Math.min(at + 1, cards.length - 1) : Math.max(at - 1, 0);
      cards[at < 0 ? 0 : next].focus();
      e.preventDefault();
      return;
    }
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("card")) {
      window.location.href = e.target.dataset.href;
    }
  });

  // The search form swaps #main, which holds the filters: htmx puts the focus back on the
  // control of the same id. Kept across the swap as well: what was typed meanwhile into another
  // field, and an opened "More measurements". A status line outside #main says "Searching…";
  // the answer's count replaces it (hx-swap-oob in _main.html).
  let kept = null;
  function searchSwap(e) {
    const target = e.detail && e.detail.target;
    return !!(target && target.id === "main");
  }
  function say(text) {
    const status = document.getElementById("search-status");
    if (status) status.textContent = text;
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (searchSwap(e)) say("Searching…");
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      if (searchSwap(e)) say("The search did not answer: try again.");
    });
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!searchSwap(e)) return;
    const active = document.activeElement, more = document.querySelector("#main details.facet-more");
    const trigger = e.detail.requestConfig && e.detail.requestConfig.triggeringEvent;
    const typed = active && active.id && active.matches("#main input:not([type=checkbox]):not([type=radio])") &&
      active.value !== active.defaultValue && !(trigger && trigger.target === active);
    kept = {field: typed ? {id: active.id, value: active.value} : null, more: !!(more && more.open)};
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!searchSwap(e) || !kept) return;
    if (kept.field) {
      const field = document.getElementById(kept.field.id);
      if (field && field.value === field.defaultValue) field.value = kept.field.value;
    }
    const more = document.querySelector("#main details.facet-more");
    if (more && kept.more) more.open = true;
    kept = null;
  });

  document.addEventListener("DOMContentLoaded", function () {
    // an add to a teaching file refused: the study page again, its reason beside the form at
    // the page's foot, where it was out of sight (the screen reader hears it: role=alert)
    const refused = document.getElementById("teach-error");
    if (refused) refused.focus();
    init(document);
    if (window.htmx) window.htmx.onLoad(function (el) { init(el); });
    requestAnimationFrame(tick);
  });
})();
