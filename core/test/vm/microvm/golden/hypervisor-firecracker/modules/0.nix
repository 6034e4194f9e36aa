{ pkgs, ... }: {
  services.getty.autologinUser = "root";
  environment.systemPackages = [ pkgs.curl ];
}
