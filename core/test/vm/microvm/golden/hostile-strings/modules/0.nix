{ ... }: { environment.etc."a".text = "\${x}"; }
