// Test-only keys, generated with `openssl genpkey` / `openssl ecparam` for these tests alone.
// They sign nothing outside this test target.

enum JWTTestKeys {
    /// RSA-2048 private key, PKCS#8.
    static let rsaPKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDBcZxiMnTZMta1
        2rVnziV6Nhq7AsK8MC8D19ZnPmMuW8ttQDYRSoAdNfydnznkD5SN9z+yeYf+ehx+
        NnWId3msr5JqpFuQCpTbVYYoIjGHp6+8SZd8Yhgs5q42o7FkikhnUoMd+n+R8DlI
        r10tE24K/dKcCf+oEcd5PVyjzHNDEZS16DIlK3yvCwQG17lwRK2LTAa72yDTlS6W
        kg9Q2/OvAiDDPXzlrXBeeCxbdM/A+eT/Ja85T61y6M8/b8mSSpF0JadLIqxtzmM4
        CUuHURVouIZnYq7l/VT/SpW5pc3AYyfmgVjLwBAfmNsTIXzsnvoRiR1iLQFJeg9E
        TvPU38DTAgMBAAECggEAUrviDBeTZS+6p/Wd/4MqAT5xqUkxe2ZKPWULNIX4ymOF
        OjkrxrJr39JutAVdL57ARQWZzx3uXZbhZ9On6hFbT1GaGBUqeg0khDhsU+7n6yJ7
        ZVa+PPsBZvbUTNcu8Ba6h8JBBMnV1Nd+0Ij8G2LDflz3vjgCiWHtQ/vMCtxO8cAs
        xJG8Ps+z64CLG5wwY8forQXbOQ4Ziy5QuN8xyp9n9Wof60QyMOlGaMvPy+JIl5Fw
        u6AsjFUvHDn0R4NbPEnLlOzdCtGQ+ofom2W5zEMSo3M0g7YSYX3oOWLtaZDOLWVZ
        QpPdZPnC5eqYFL7LdWjplLOudeehdsw2OLUBU1ZGWQKBgQDwVogqjQFF61or3CsO
        pD+Azmj8ZqJxDMUF940HeAAW5p4NgalI7BEGFyDabsrinfoikBut+HmjbO5Hhb60
        fbDcHpC5eJVuibQWCFX7Ra2DDf71od8+s4Ifs7Gr2y41Mgcn3a3TWVDKwEjUqVgN
        Ta1ewQ3iXjKwwm8aa9CXuBH/qQKBgQDODMKqbQPxjQdaeBp0BnTcZLWzY88PU3GB
        3WesM4p5ti7cqJ+jYsV4fnCb7eViRsA1LIlJ48swe/YPNUNd+d8px/GtYsYNZbDP
        tzm4kTMiI4G61LJXVgCbMloHS94dQELG/AGx0VYwDcC9Asm2dNTkUwzLZu0p9WE6
        kczflRG6GwKBgF2/o0XV0tVPRNEvBKylbQ/1dAZgkqS+cmwtcBmluYM1WhmypjIH
        w2w4wVvzM7jKHrQ0uldWQTx6VUgY55bIIKD8Wz+9xaxkkpa1kbR+LXydjQKLreVr
        aCqtkXST/qZJaXkng5KZmGY+MyqhE/O8hRAdBilyzRsd/PC1dZx49KxhAoGBAJIw
        CXjiyXZ6KWptZc9FuWmYZjW1LXXhLNoHXIOXObrqn8rcNA62iAXaJ0jp+uHD8qCH
        TYxH+qQWftgBYR9upX8+JWBvgLaGnHByvZgOJGonKOaF+1XtZZa2nZspn5e/POFy
        cD1ZmT2UtFclgDlcIKMxrRUunDs1pdrpEKLcX2xbAoGAaXjQC4RMa8H9jZOs8iXM
        k51VxTCd/WtFM20A46ndDjeiZS1dHxPevgdb0zAxwUAtVxJppq3wgU7w+O2XceIM
        B2OwxzIWSIzp6XFHXnk/l9IAXvFq1uot++cvKFQzVtwDcWOXv99YiZeGe2lFxLD7
        RPK3GqzBLMjAA68LdyVvXGs=
        -----END PRIVATE KEY-----
        """

    /// The same RSA-2048 key, PKCS#1.
    static let rsaPKCS1 = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIEowIBAAKCAQEAwXGcYjJ02TLWtdq1Z84lejYauwLCvDAvA9fWZz5jLlvLbUA2
        EUqAHTX8nZ855A+Ujfc/snmH/nocfjZ1iHd5rK+SaqRbkAqU21WGKCIxh6evvEmX
        fGIYLOauNqOxZIpIZ1KDHfp/kfA5SK9dLRNuCv3SnAn/qBHHeT1co8xzQxGUtegy
        JSt8rwsEBte5cESti0wGu9sg05UulpIPUNvzrwIgwz185a1wXngsW3TPwPnk/yWv
        OU+tcujPP2/JkkqRdCWnSyKsbc5jOAlLh1EVaLiGZ2Ku5f1U/0qVuaXNwGMn5oFY
        y8AQH5jbEyF87J76EYkdYi0BSXoPRE7z1N/A0wIDAQABAoIBAFK74gwXk2Uvuqf1
        nf+DKgE+calJMXtmSj1lCzSF+MpjhTo5K8aya9/SbrQFXS+ewEUFmc8d7l2W4WfT
        p+oRW09RmhgVKnoNJIQ4bFPu5+sie2VWvjz7AWb21EzXLvAWuofCQQTJ1dTXftCI
        /Btiw35c9744Aolh7UP7zArcTvHALMSRvD7Ps+uAixucMGPH6K0F2zkOGYsuULjf
        McqfZ/VqH+tEMjDpRmjLz8viSJeRcLugLIxVLxw59EeDWzxJy5Ts3QrRkPqH6Jtl
        ucxDEqNzNIO2EmF96Dli7WmQzi1lWUKT3WT5wuXqmBS+y3Vo6ZSzrnXnoXbMNji1
        AVNWRlkCgYEA8FaIKo0BRetaK9wrDqQ/gM5o/GaicQzFBfeNB3gAFuaeDYGpSOwR
        Bhcg2m7K4p36IpAbrfh5o2zuR4W+tH2w3B6QuXiVbom0FghV+0Wtgw3+9aHfPrOC
        H7Oxq9suNTIHJ92t01lQysBI1KlYDU2tXsEN4l4ysMJvGmvQl7gR/6kCgYEAzgzC
        qm0D8Y0HWngadAZ03GS1s2PPD1Nxgd1nrDOKebYu3Kifo2LFeH5wm+3lYkbANSyJ
        SePLMHv2DzVDXfnfKcfxrWLGDWWwz7c5uJEzIiOButSyV1YAmzJaB0veHUBCxvwB
        sdFWMA3AvQLJtnTU5FMMy2btKfVhOpHM35URuhsCgYBdv6NF1dLVT0TRLwSspW0P
        9XQGYJKkvnJsLXAZpbmDNVoZsqYyB8NsOMFb8zO4yh60NLpXVkE8elVIGOeWyCCg
        /Fs/vcWsZJKWtZG0fi18nY0Ci63la2gqrZF0k/6mSWl5J4OSmZhmPjMqoRPzvIUQ
        HQYpcs0bHfzwtXWcePSsYQKBgQCSMAl44sl2eilqbWXPRblpmGY1tS114SzaB1yD
        lzm66p/K3DQOtogF2idI6frhw/Kgh02MR/qkFn7YAWEfbqV/PiVgb4C2hpxwcr2Y
        DiRqJyjmhftV7WWWtp2bKZ+XvzzhcnA9WZk9lLRXJYA5XCCjMa0VLpw7NaXa6RCi
        3F9sWwKBgGl40AuETGvB/Y2TrPIlzJOdVcUwnf1rRTNtAOOp3Q43omUtXR8T3r4H
        W9MwMcFALVcSaaat8IFO8Pjtl3HiDAdjsMcyFkiM6elxR155P5fSAF7xatbqLfvn
        LyhUM1bcA3Fjl7/fWImXhntpRcSw+0TytxqswSzIwAOvC3clb1xr
        -----END RSA PRIVATE KEY-----
        """

    /// Public half of the RSA-2048 key, for `openssl dgst -verify`.
    static let rsaPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwXGcYjJ02TLWtdq1Z84l
        ejYauwLCvDAvA9fWZz5jLlvLbUA2EUqAHTX8nZ855A+Ujfc/snmH/nocfjZ1iHd5
        rK+SaqRbkAqU21WGKCIxh6evvEmXfGIYLOauNqOxZIpIZ1KDHfp/kfA5SK9dLRNu
        Cv3SnAn/qBHHeT1co8xzQxGUtegyJSt8rwsEBte5cESti0wGu9sg05UulpIPUNvz
        rwIgwz185a1wXngsW3TPwPnk/yWvOU+tcujPP2/JkkqRdCWnSyKsbc5jOAlLh1EV
        aLiGZ2Ku5f1U/0qVuaXNwGMn5oFYy8AQH5jbEyF87J76EYkdYi0BSXoPRE7z1N/A
        0wIDAQAB
        -----END PUBLIC KEY-----
        """

    /// P-256 private key, SEC1.
    static let ecSEC1 = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEICPSAM5q/PWssGsxZYcDB3xH7hu8Oj6OVgtVsDK78c7JoAoGCCqGSM49
        AwEHoUQDQgAEVBeRxYNZxE4lPkFfQVU47QOwCuCgzDb/o6O/2a59tTA2TKGmFEKC
        Hkc0LoXbWr3WRH2W0RXe4e1cB3URxzUOlA==
        -----END EC PRIVATE KEY-----
        """

    /// The same P-256 key, PKCS#8.
    static let ecPKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgI9IAzmr89aywazFl
        hwMHfEfuG7w6Po5WC1WwMrvxzsmhRANCAARUF5HFg1nETiU+QV9BVTjtA7AK4KDM
        Nv+jo7/Zrn21MDZMoaYUQoIeRzQuhdtavdZEfZbRFd7h7VwHdRHHNQ6U
        -----END PRIVATE KEY-----
        """

    /// Public half of the P-256 key.
    static let ecPublic = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVBeRxYNZxE4lPkFfQVU47QOwCuCg
        zDb/o6O/2a59tTA2TKGmFEKCHkc0LoXbWr3WRH2W0RXe4e1cB3URxzUOlA==
        -----END PUBLIC KEY-----
        """

    /// RSA-1024: legacy size, still accepted.
    static let rsa1024 = """
        -----BEGIN PRIVATE KEY-----
        MIICeQIBADANBgkqhkiG9w0BAQEFAASCAmMwggJfAgEAAoGBAMhUVeHsk5XELhMI
        o5IMW1lyJvB+bMyFtqCtuDel/FQrryCtqybt4kV5vKktxj23FAiIvZoKM07qanbv
        PnuQHR73E+8ka7EU2SividtnHk4F0UGNCe6L+gJKNyxthAonlL3hGBhPU0TmNOdo
        RUxUiNCB17nShFwN3uGPrxyTRrYLAgMBAAECgYEAiCvrhPrPB0qnFwEUTr5fidly
        Zp9JTWzGy0nKoukNMBnRnSDv6jJhUGCDwWwACQtdbr+kQgUVA1uMqvPNQSig4ar+
        lQBac3SGntvNwyb1ULtltTjFuTI7iqN7iBBe1FIqyIgFS5BBYebBktzRiuRPJoEW
        n4peSQQutthVhd4GQGECQQDx6rebRSjeqhVmQSj2jgZHZO7bjLg/7NCI+lzmajyz
        HGg8gXD7j8sj07lE+0OwZXFmoc+gvSLiFtKzYGMM6/H1AkEA0/3Xb4A0Cosvf+tP
        IlaKQzOoayI4b2ChUErtS7XOvImmm6jE8qPy5aTR7OyGzZgOuKlHuHfgrplPKLw+
        ETcH/wJBAImzSP+gxjq4JaYmwOJWxUwuL6fY2afJbIoLuIWPQy3QpaSLKXyHxOGH
        ypVxUH4/v+TjhgPApPJ8e0KPQtJAG2ECQQCIf0u2OaBIobIl9YdwnrRL7PkmclRQ
        MrHrlzMPqrLA5wjl9VdKvJHrl6KroOhzfNMNx8GsX1PGWGSF4B8+ymZVAkEAzW8K
        rv4O/fbNEfz/5T+oJZ4ZV2Fu8VPOfc4pUixsEy5796JkeGABrOfzgFs+8kW1Ib7T
        hWV4nPJkNqrznGv5Rg==
        -----END PRIVATE KEY-----
        """

    /// Public half of the RSA-1024 key.
    static let rsa1024Public = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDIVFXh7JOVxC4TCKOSDFtZcibw
        fmzMhbagrbg3pfxUK68grasm7eJFebypLcY9txQIiL2aCjNO6mp27z57kB0e9xPv
        JGuxFNkor4nbZx5OBdFBjQnui/oCSjcsbYQKJ5S94RgYT1NE5jTnaEVMVIjQgde5
        0oRcDd7hj68ck0a2CwIDAQAB
        -----END PUBLIC KEY-----
        """

    /// RSA-512: below swift-crypto's floor, refused.
    static let rsa512 = """
        -----BEGIN PRIVATE KEY-----
        MIIBUwIBADANBgkqhkiG9w0BAQEFAASCAT0wggE5AgEAAkEAw/Ag95YgJ0cYpqe3
        GDbH5SEoczK6ITvVH8p+mOF/TrNp9nOxLqYrKP4l+IU/laOnhOxpzz0/Oa8ASAUI
        ixhH5wIDAQABAkBL+mB+QUukj3Aip6RbElr/IZVy3jfIzU++bSIcHEzmcgQyHrFe
        ujaJuJyqAdxQ9zAGMQqV66YwudTFgw+X8hqxAiEA4CcqPOcBoBNwQZLpcVtcXX2n
        GjUfbDMI/wvJY439A0kCIQDfxrxO7Dqq0Q/9F1JOMbNmI9Qlg9TUe5zVNdPvlWHB
        rwIgLjtFtev7ZNW9iHjRlyS9xzacWYZtZbac+2Wl8tedQKkCIAmDR0oLnMraLFXU
        Afm0/y1eZIxbuFZ4Esi1ixbqQMedAiBZVfXyLHJntuyKhDJqw7+qNHAkbj0VaxVL
        iDvDRk8aVQ==
        -----END PRIVATE KEY-----
        """

    /// A P-384 key: the wrong curve for ES256.
    static let ecP384 = """
        -----BEGIN EC PRIVATE KEY-----
        MIGkAgEBBDBd6lwn8V4cpbncjDhbwQLQ0fwxT3MzkGxWun+BJBU7/rqOtGTy3UHu
        dYQQ3BfQzJugBwYFK4EEACKhZANiAAQ9b+5T9lW51bKLUthYBByNo1+MPzN5uJL2
        zTXtmr/MNW37//FLEiGIOsAgCIUks6Zvouw59MeUcNyaMF6tHzdb/VhBhWCn4ftn
        tV/6i1kKfXQgCHdSzZzmCUQR8iloVhM=
        -----END EC PRIVATE KEY-----
        """
}
