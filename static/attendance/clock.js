// My shifts: before a clock-in or clock-out form is sent, ask the phone where it is and put
// it in the form's hidden inputs. If the guard says no, the phone cannot tell, or it takes
// too long, the form is sent without a location: clocking in never depends on this file.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    var asked = false;
    form.addEventListener("submit", function (event) {
      if (asked) return; // the second submit, with or without a location
      event.preventDefault();
      asked = true;
      var button = form.querySelector("button");
      if (button) button.disabled = true;
      var sent = false;
      var send = function () { if (!sent) { sent = true; form.submit(); } };
      var timer = setTimeout(send, 10000);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          clearTimeout(timer);
          form.elements.latitude.value = position.coords.latitude;
          form.elements.longitude.value = position.coords.longitude;
          form.elements.accuracy.value = Math.round(position.coords.accuracy);
          send();
        },
        function () { clearTimeout(timer); send(); },
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });
})();
