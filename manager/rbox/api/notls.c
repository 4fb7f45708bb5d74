/* notls.c - stand-ins for the GnuTLS functions Debian's static libmicrohttpd refers to.
 *
 * rbox is linked statically (see the Makefile) and GnuTLS's own static link needs p11-kit, of
 * which Debian ships no archive. The API service never asks libmicrohttpd for TLS (it serves a
 * Unix socket), so these are only reached by a bug: they abort. libmicrohttpd's constructor
 * calls gnutls_global_init at every start of rbox: that one succeeds and does nothing.
 * Built only for the static rbox (RBOX_MHD_NOTLS); a dynamic build links the real GnuTLS. */
#ifdef RBOX_MHD_NOTLS
#include <stdlib.h>

/* The prototypes do not matter to the linker; these are never called with TLS off. */
int gnutls_global_init(void);
void gnutls_global_deinit(void);
int gnutls_global_init(void)
{
    return 0;
}
void gnutls_global_deinit(void)
{
}
/* the pointer libmicrohttpd keeps for allocations inside TLS sessions */
void *(*gnutls_malloc)(size_t) = malloc;

#define NOTLS(name)  \
    void name(void); \
    void name(void)  \
    {                \
        abort();     \
    }
NOTLS(gnutls_alpn_set_protocols)
NOTLS(gnutls_bye)
NOTLS(gnutls_certificate_allocate_credentials)
NOTLS(gnutls_certificate_free_credentials)
NOTLS(gnutls_certificate_server_set_request)
NOTLS(gnutls_certificate_set_dh_params)
NOTLS(gnutls_certificate_set_retrieve_function2)
NOTLS(gnutls_certificate_set_retrieve_function3)
NOTLS(gnutls_certificate_set_x509_key_mem)
NOTLS(gnutls_certificate_set_x509_key_mem2)
NOTLS(gnutls_certificate_set_x509_trust_mem)
NOTLS(gnutls_cipher_get)
NOTLS(gnutls_credentials_set)
NOTLS(gnutls_deinit)
NOTLS(gnutls_dh_params_deinit)
NOTLS(gnutls_dh_params_import_pkcs3)
NOTLS(gnutls_dh_params_init)
NOTLS(gnutls_handshake)
NOTLS(gnutls_init)
NOTLS(gnutls_priority_deinit)
NOTLS(gnutls_priority_init)
NOTLS(gnutls_priority_set)
NOTLS(gnutls_protocol_get_version)
NOTLS(gnutls_psk_allocate_server_credentials)
NOTLS(gnutls_psk_free_server_credentials)
NOTLS(gnutls_psk_set_server_credentials_function)
NOTLS(gnutls_record_check_pending)
NOTLS(gnutls_record_get_direction)
NOTLS(gnutls_record_recv)
NOTLS(gnutls_record_send)
NOTLS(gnutls_session_get_ptr)
NOTLS(gnutls_session_set_ptr)
NOTLS(gnutls_strerror)
NOTLS(gnutls_transport_set_int2)
#else
typedef int rbox_notls_unused; /* a dynamic build links GnuTLS itself */
#endif
