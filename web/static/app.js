// cmr-search: keyboard navigation, sprite-based cine players, synced compare, loading states.
(function () {
  "use strict";
  const players = [];

  function Player(fig) {
    this.fig = fig;
    this.screen = fig.querySelector(".screen");
    this.slider = fig.querySelector(".frame");
    this.pos = fig.querySelector(".pos");
    this.button = fig.querySelector(".play");
    this.speedSelect = fig.querySelector(".speed");
    this.interval = parseFloat(fig.dataset.interval) || 40;
    this.group = fig.dataset.group || null;
    this.frames = 1; this.frame = 0; this.playing = true; this.elapsed = 0;
    this.overlay = fig.querySelector(".contours");
    this.toggle = fig.querySelector(".show-contours");
    this.overlayFrames = 0;
    this.bind();
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
    const self = this, img = new Image();
    img.onload = function () {
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
    img.src = url;
  };
  Player.prototype.cycle = function () { return this.interval * this.frames; };
  Player.prototype.setPlaying = function (on) {
    groupOf(this).forEach(function (p) {
      p.playing = on;
      p.button.textContent = on ? "❚❚" : "▶";
      p.button.setAttribute("aria-label", (on ? "Pause" : "Play") + " cine");
      p.fig.dataset.playing = on ? "1" : "0";
    });
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
    this.pos.textContent = (this.frame + 1) + "/" + this.frames;
    this.fig.dataset.frame = String(this.frame);
  };

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
        const lead = groupOf(p)[0];
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
    root.querySelectorAll(".slice-tabs button").forEach(function (tab) {
      tab.addEventListener("click", function () {
        const block = tab.closest(".sax-block"), fig = block.querySelector(".player");
        block.querySelectorAll(".slice-tabs button").forEach(function (b) {
          b.setAttribute("aria-selected", b === tab ? "true" : "false");
        });
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
      });
    });
    root.querySelectorAll("form[data-loading]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelector(".loading").textContent = form.dataset.loading;
        form.querySelector("button[type=submit]").disabled = true;
        form.classList.add("busy");
      });
    });
    const all = root.querySelector(".play-all");
    if (all) all.addEventListener("click", function () {
      const group = players.filter(function (p) { return p.group === "compare"; });
      if (!group.length) return;
      const on = !group[0].playing;
      group[0].setPlaying(on);
      all.textContent = on ? "❚❚ Pause both" : "▶ Play both";
    });
  }

  document.addEventListener("keydown", function (e) {
    const tag = (e.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select";
    if (e.key === "/" && !typing) {
      e.preventDefault();
      const q = document.getElementById("q");
      if (q) { q.focus(); q.select(); } else { window.location.href = "/"; }
      return;
    }
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && (!typing || e.target.id === "q")) {
      const cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
      if (!cards.length) return;
      const at = cards.indexOf(document.activeElement);
      const next = e.key === "ArrowDown" ? Math.min(at + 1, cards.length - 1) : Math.max(at - 1, 0);
      cards[at < 0 ? 0 : next].focus();
      e.preventDefault();
      return;
    }
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("card")) {
      window.location.href = e.target.dataset.href;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    if (window.htmx) window.htmx.onLoad(function (el) { init(el); });
    requestAnimationFrame(tick);
  });
})();
